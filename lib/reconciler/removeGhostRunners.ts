import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { parseRunnerPodName } from '../pod/runnerNames.ts';
import { parseWarmRunnerName } from '../pool/warmRunner.ts';
import type { Log, RegisteredRunner, RunnerCluster, RunnerRegistry } from '../ports.ts';

/** Pages of 100 runners read per organisation and run. */
const MAX_RUNNER_PAGES = 3;

/**
 * Runners we registered (named like our pods) whose pod is gone, that are offline and not busy: a
 * pod killed mid-job, or a registration left behind. Pure.
 */
export function findGhostRunners(
  runners: readonly RegisteredRunner[],
  livePodNames: ReadonlySet<string>,
  classNames: readonly string[],
): RegisteredRunner[] {
  return runners.filter(
    (runner) =>
      (parseRunnerPodName(runner.name, classNames) ?? parseWarmRunnerName(runner.name, classNames)) !==
        undefined &&
      !livePodNames.has(runner.name) &&
      runner.status !== 'online' &&
      !runner.busy,
  );
}

/**
 * Deregisters the ghost runners of every organisation the App serves, within the GitHub budget left.
 * The runners are listed before the pods, so a runner registered for a pod made meanwhile always
 * finds its pod. Repository-scoped runners are not swept.
 */
export async function removeGhostRunners(
  context: {
    config: AutoscalerConfig;
    cluster: RunnerCluster;
    registry: RunnerRegistry;
    log: Log;
    now: () => Date;
  },
  budget: { left: number },
): Promise<number> {
  const { config, cluster, registry, log } = context;
  const minute = Math.floor(context.now().getTime() / 60_000);
  if (minute % config.reconciler.ghostSweepEveryMinutes !== 0) return 0;
  if (config.github.runnerScope !== 'org' || budget.left < 1) return 0;
  budget.left -= 1;
  const organisations = (await registry.installations()).filter(
    ({ accountType, account }) =>
      accountType === 'Organization' &&
      (config.github.allowedOrgs.length === 0 ||
        config.github.allowedOrgs.some((allowed) => allowed.toLowerCase() === account.toLowerCase())),
  );
  const classNames = config.runnerClasses.map(({ name }) => name);
  let removed = 0;
  for (const { id, account } of organisations) {
    if (budget.left < MAX_RUNNER_PAGES) break;
    budget.left -= MAX_RUNNER_PAGES;
    const scope = { kind: 'org', org: account } as const;
    const runners = await registry.listRunners(id, scope, MAX_RUNNER_PAGES);
    const livePods = new Set((await cluster.listPods()).map(({ name }) => name));
    for (const ghost of findGhostRunners(runners, livePods, classNames)) {
      if (budget.left < 1) break;
      budget.left -= 1;
      if (!(await registry.deregister({ installationId: id, scope, name: ghost.name, id: ghost.id })))
        continue;
      log.info('deregistered a ghost runner: no pod, offline', { runnerName: ghost.name, org: account });
      removed += 1;
    }
  }
  return removed;
}
