/**
 * GitHub's secondary limit allows 900 points a minute per endpoint, and a write costs 5: 180 writes a
 * minute, one every third of a second. Calls held back are given their turns that far apart.
 */
export const SECONDS_PER_WRITE = 60 / 180;
/** GitHub's advice when a secondary-limit answer names no wait: at least a minute. */
export const DEFAULT_PUSHBACK_SECONDS = 60;

/** The HTTP methods that write, each of which spends the secondary limit's points for a write. */
export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** The key of an installation's REST quota (or, without one, the App's own). */
export function quotaKey(installationId: number | undefined): string {
  return `quota of installation ${installationId ?? 'none (the App)'}`;
}

/**
 * The key of an App's own write budget: held by the App itself, before GitHub refuses anything, once
 * this process has made the secondary limit's writes for the last minute (see GitHubAppUsage).
 */
export const APP_WRITES_KEY = 'writes of the App in the last minute';

/** The key of a route, as Octokit names it: `METHOD /template`. */
export function routeKey(method: string, url: string): string {
  return `${method} ${url}`;
}

/** A call GitHub is not to be asked yet: how long it waits before its turn, in seconds. */
export interface HeldBack {
  key: string;
  waitSeconds: number;
}

/**
 * What GitHub pushed back on, for one App in one process (so across every record of an invocation,
 * and the invocations a warm Lambda instance serves next): keys, such as a route or an installation's
 * quota, that are not to be called until a time. GitHub warns that an integration that keeps calling
 * while limited can be banned, so a call under a held key is not made: it is given a turn after the
 * hold ends, each next call a write's spacing later than the one before, so that the calls waiting
 * come back at the rate GitHub takes rather than all at once.
 */
export class GitHubPushback {
  private readonly holds = new Map<string, { untilMs: number; turnsGiven: number }>();

  /**
   * The key among these whose turn comes last, and how long the call waits for it (taking that turn);
   * undefined if none is held.
   */
  heldBack(keys: readonly string[], nowMs: number): HeldBack | undefined {
    let latest: { key: string; hold: { untilMs: number; turnsGiven: number }; waitMs: number } | undefined;
    for (const key of keys) {
      const hold = this.holds.get(key);
      if (!hold) continue;
      if (hold.untilMs <= nowMs) {
        this.holds.delete(key);
        continue;
      }
      const waitMs = hold.untilMs - nowMs + hold.turnsGiven * SECONDS_PER_WRITE * 1000;
      if (!latest || waitMs > latest.waitMs) latest = { key, hold, waitMs };
    }
    if (!latest) return undefined;
    latest.hold.turnsGiven += 1;
    return { key: latest.key, waitSeconds: Math.ceil(latest.waitMs / 1000) };
  }

  /**
   * In how many milliseconds a call under these keys (and, for a write, under any write key) would
   * get its turn, 0 if none is held; unlike heldBack, it takes no turn.
   */
  msUntilTurn(keys: readonly string[], write: boolean, nowMs: number): number {
    let turnAtMs = nowMs;
    for (const [key, { untilMs, turnsGiven }] of this.holds) {
      if (untilMs <= nowMs || !(keys.includes(key) || (write && isWriteKey(key)))) continue;
      turnAtMs = Math.max(turnAtMs, untilMs + turnsGiven * SECONDS_PER_WRITE * 1000);
    }
    return turnAtMs - nowMs;
  }

  /** GitHub answered that this key is limited for `seconds`; a longer hold already there stays. */
  pushedBack(key: string, seconds: number, nowMs: number): void {
    const untilMs = nowMs + Math.max(1, seconds) * 1000;
    const hold = this.holds.get(key);
    if (hold && hold.untilMs >= untilMs) return;
    this.holds.set(key, { untilMs, turnsGiven: hold?.turnsGiven ?? 0 });
  }
}

function isWriteKey(key: string): boolean {
  return key === APP_WRITES_KEY || WRITE_METHODS.has(key.slice(0, key.indexOf(' ')));
}
