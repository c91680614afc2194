import { SECONDS_PER_WRITE } from './gitHubPushback.ts';

/** An installation's REST quota before GitHub has told us what is left of it: 5,000 an hour. */
const INSTALLATION_QUOTA = 5000;
const WRITES_PER_MINUTE = Math.round(60 / SECONDS_PER_WRITE);

/** A call's cost to GitHub's limits: a write spends the secondary limit's points as well as the quota. */
export type CallKind = 'read' | 'write';

/**
 * What one App has spent of GitHub's limits, as this process has seen it: each installation's
 * remaining quota from the last `x-ratelimit-remaining`, and the writes made in the last minute
 * (the secondary limit, 180 writes a minute). Other processes spend the same limits unseen, except
 * through the quota GitHub reports, so this is a lower bound of what the App has spent.
 */
export class GitHubAppUsage {
  private readonly quotaLeft = new Map<number | 'app', number>();
  private writesAtMs: number[] = [];

  /** GitHub answered a call made as this installation (or as the App itself). */
  answered(installationId: number | 'app', remaining: number): void {
    this.quotaLeft.set(installationId, remaining);
  }

  wrote(nowMs: number): void {
    this.writesAtMs.push(nowMs);
  }

  /** How many more calls of this kind the App may make as this installation now, as far as it knows. */
  room(installationId: number, kind: CallKind, nowMs: number): number {
    const quota = this.quotaLeft.get(installationId) ?? INSTALLATION_QUOTA;
    if (kind === 'read') return quota;
    return Math.min(quota, WRITES_PER_MINUTE - this.writesInLastMinute(nowMs).length);
  }

  /** How long until the App may write again without passing the secondary limit: 0 while it may. */
  msUntilWriteRoom(nowMs: number): number {
    const writes = this.writesInLastMinute(nowMs);
    const oldestCounted = writes[writes.length - WRITES_PER_MINUTE];
    return oldestCounted === undefined ? 0 : oldestCounted + 60_000 - nowMs;
  }

  private writesInLastMinute(nowMs: number): number[] {
    this.writesAtMs = this.writesAtMs.filter((atMs) => atMs > nowMs - 60_000);
    return this.writesAtMs;
  }
}
