import { AutoscalerError } from '../errors.ts';
import type { AppInstallation, RunnerRegistry } from '../ports.ts';
import type { CallKind, GitHubAppUsage } from './gitHubAppUsage.ts';
import { type GitHubPushback, quotaKey } from './gitHubPushback.ts';

/** One GitHub App the registry may call through: its registry, and what it has spent of GitHub's limits. */
export interface RegistryApp {
  appId: number;
  registry: RunnerRegistry;
  pushback: GitHubPushback;
  usage: GitHubAppUsage;
}

/** One App a call may go through, as its installation on the call's account. */
interface AppChoice {
  app: RegistryApp;
  installationId: number;
  room: number;
  msUntilTurn: number;
}

/**
 * The App with the most room; while every App is limited, the one whose turn comes first, so the
 * calls held back queue on every App evenly rather than on one at one App's rate.
 */
function isBetter(candidate: AppChoice, best: AppChoice): boolean {
  if (best.room > 0 || candidate.room > 0) return candidate.room > best.room;
  return candidate.msUntilTurn < best.msUntilTurn;
}

/** How long an App's list of installations is trusted before a lookup that misses reads it again. */
const INSTALLATIONS_KEPT_MS = 60_000;

/**
 * A RunnerRegistry over several GitHub Apps installed on the same accounts. Webhooks, and so job
 * messages, name the first App's installations; each call goes through the App with the most room
 * left for it (its installation's remaining quota, and for a write the secondary limit's writes
 * this minute), as this process knows them, skipping an App GitHub has pushed back on until its
 * wait has passed. Never at random: a burst spends the Apps' limits evenly, and no App is called
 * while limited. A runner registered through one App is found, and removed, through any: runners
 * belong to the organisation or repository, not to the App.
 */
export class MultiAppRunnerRegistry implements RunnerRegistry {
  private readonly apps: readonly RegistryApp[];
  private readonly nowMs: () => number;
  private readonly installationLists = new Map<
    number,
    { listed: Promise<AppInstallation[]>; atMs: number }
  >();

  constructor(apps: readonly RegistryApp[], nowMs: () => number = Date.now) {
    if (apps.length === 0) throw new Error('MultiAppRunnerRegistry needs at least one App');
    this.apps = apps;
    this.nowMs = nowMs;
  }

  register: RunnerRegistry['register'] = (request) =>
    this.through(request.installationId, 'write', (registry, installationId) =>
      registry.register({ ...request, installationId }),
    );
  deregister: RunnerRegistry['deregister'] = (runner) =>
    this.through(runner.installationId, 'write', (registry, installationId) =>
      registry.deregister({ ...runner, installationId }),
    );
  isBusy: RunnerRegistry['isBusy'] = (runner) =>
    this.through(runner.installationId, 'read', (registry, installationId) =>
      registry.isBusy({ ...runner, installationId }),
    );
  readJob: RunnerRegistry['readJob'] = (job) =>
    this.through(job.installationId, 'read', (registry, installationId) =>
      registry.readJob({ ...job, installationId }),
    );
  runnerGroupOpenTo: RunnerRegistry['runnerGroupOpenTo'] = (installationId, org, repository) =>
    this.through(installationId, 'read', (registry, id) => registry.runnerGroupOpenTo(id, org, repository));
  installations: RunnerRegistry['installations'] = () => this.installationsOf(this.first);
  listRunners: RunnerRegistry['listRunners'] = (installationId, scope, maxPages) =>
    this.through(installationId, 'read', (registry, id) => registry.listRunners(id, scope, maxPages));
  listRepositories: RunnerRegistry['listRepositories'] = (installationId, maxPages) =>
    this.through(installationId, 'read', (registry, id) => registry.listRepositories(id, maxPages));
  listRuns: RunnerRegistry['listRuns'] = (installationId, repository, status) =>
    this.through(installationId, 'read', (registry, id) => registry.listRuns(id, repository, status));
  listRunJobs: RunnerRegistry['listRunJobs'] = (installationId, repository, runId, attempts) =>
    this.through(installationId, 'read', (registry, id) =>
      registry.listRunJobs(id, repository, runId, attempts),
    );
  readRun: RunnerRegistry['readRun'] = (run) =>
    this.through(run.installationId, 'read', (registry, installationId) =>
      registry.readRun({ ...run, installationId }),
    );
  rerunJob: RunnerRegistry['rerunJob'] = (job) =>
    this.through(job.installationId, 'write', (registry, installationId) =>
      registry.rerunJob({ ...job, installationId }),
    );
  rerunFailedJobs: RunnerRegistry['rerunFailedJobs'] = (run) =>
    this.through(run.installationId, 'write', (registry, installationId) =>
      registry.rerunFailedJobs({ ...run, installationId }),
    );

  private get first(): RegistryApp {
    return this.apps[0] as RegistryApp;
  }

  /** Makes the call through the App with the most room, as that App's installation on the same account. */
  private async through<T>(
    firstAppInstallation: number,
    kind: CallKind,
    call: (registry: RunnerRegistry, installationId: number) => Promise<T>,
  ): Promise<T> {
    if (this.apps.length === 1) return call(this.first.registry, firstAppInstallation);
    const account = await this.accountOf(firstAppInstallation);
    const nowMs = this.nowMs();
    const candidates: AppChoice[] = [];
    for (const app of this.apps) {
      const installationId =
        app === this.first ? firstAppInstallation : await this.installationOn(app, account);
      if (installationId !== undefined) candidates.push(this.choiceOf(app, installationId, kind, nowMs));
    }
    const chosen = candidates.reduce((best, candidate) => (isBetter(candidate, best) ? candidate : best));
    return call(chosen.app.registry, chosen.installationId);
  }

  /** What calling through this App would meet now: the room it has left, and the wait for its turn. */
  private choiceOf(app: RegistryApp, installationId: number, kind: CallKind, nowMs: number): AppChoice {
    const write = kind === 'write';
    const held = app.pushback.msUntilTurn([quotaKey(installationId)], write, nowMs);
    const msUntilTurn = Math.max(held, write ? app.usage.msUntilWriteRoom(nowMs) : 0);
    const room = held > 0 ? 0 : Math.max(0, app.usage.room(installationId, kind, nowMs));
    return { app, installationId, room, msUntilTurn };
  }

  private async accountOf(firstAppInstallation: number): Promise<string> {
    const found = await this.findInstallation(this.first, ({ id }) => id === firstAppInstallation);
    if (!found)
      throw new AutoscalerError(
        `GitHub: App ${this.first.appId} has no installation ${firstAppInstallation}`,
        {
          kind: 'github',
          retryable: true,
        },
      );
    return found.account.toLowerCase();
  }

  private async installationOn(app: RegistryApp, account: string): Promise<number | undefined> {
    return (
      await this.findInstallation(app, (installation) => installation.account.toLowerCase() === account)
    )?.id;
  }

  /** Looks in the App's installations, read again when the one sought is missing and the list is old. */
  private async findInstallation(
    app: RegistryApp,
    matches: (installation: AppInstallation) => boolean,
  ): Promise<AppInstallation | undefined> {
    const found = (await this.installationsOf(app)).find(matches);
    const kept = this.installationLists.get(app.appId);
    if (found || (kept && this.nowMs() - kept.atMs < INSTALLATIONS_KEPT_MS)) return found;
    this.installationLists.delete(app.appId);
    return (await this.installationsOf(app)).find(matches);
  }

  private installationsOf(app: RegistryApp): Promise<AppInstallation[]> {
    const kept = this.installationLists.get(app.appId);
    if (kept) return kept.listed;
    const listed = app.registry.installations();
    this.installationLists.set(app.appId, { listed, atMs: this.nowMs() });
    listed.catch(() => this.installationLists.delete(app.appId));
    return listed;
  }
}
