import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { errorKind, errorMessage } from '../errors.ts';
import { runningJobOfPod } from '../pod/jobOfPod.ts';
import { keepWarmPools, type WarmPoolSummary } from '../pool/keepWarmPools.ts';
import { warmRunnerOf } from '../pool/warmRunner.ts';
import type { JobQueue, Log, Metrics, RunnerCluster, RunnerPod, RunnerRegistry } from '../ports.ts';
import { KILLED_RUNNER_KEPT_SECONDS, rememberKilledRunner } from '../runners/infrastructureKills.ts';
import { removeRunnerPod } from '../runners/removeRunnerPod.ts';
import { aroundEachCall } from '../util/aroundEachCall.ts';
import { forEachConcurrently } from '../util/forEachConcurrently.ts';
import { planReconciliation, type ReconcileStep } from './planReconciliation.ts';
import { queueRerunOfKilledJob } from './queueRerunOfKilledJob.ts';
import { queueStrandedJobs } from './queueStrandedJobs.ts';
import { removeGhostRunners } from './removeGhostRunners.ts';
import { removeIdleSpare } from './removeIdleSpare.ts';
import { replaceIfQueued } from './replaceIfQueued.ts';

/** Steps carried out at once. */
const CONCURRENCY = 8;
/** GitHub calls each kind of step may make, reserved from the run's budget before it starts. */
const STEP_COST = {
  'remove-finished': 0,
  'rerun-killed': 0,
  'remember-killed': 0,
  'replace-if-queued': 2,
  'remove-if-spare': 4,
} as const;

export interface ReconcilerContext {
  config: AutoscalerConfig;
  cluster: RunnerCluster;
  registry: RunnerRegistry;
  queue: JobQueue;
  log: Log;
  metrics: Metrics;
  now: () => Date;
}

export interface ReconcileSummary extends WarmPoolSummary {
  removedFinished: number;
  replaced: number;
  /** Jobs parked in the dead-letter queue after `maxReplacements` runners failed to start. */
  gaveUp: number;
  /** Runners that could not start, for jobs GitHub no longer queues. */
  removedUnstarted: number;
  removedSpares: number;
  /** Idle runners whose own job GitHub still queues, opened to disruption so they do not hold their node. */
  openedToDisruption: number;
  /** Jobs GitHub holds for an approval, put back to be looked at again rather than hold a runner. */
  parkedForApproval: number;
  /** Jobs queued to be re-run because the infrastructure killed their runner mid-job. */
  queuedReruns: number;
  /** Runners registered on GitHub whose pod is gone, offline and idle, deregistered. */
  removedGhosts: number;
  /** Jobs GitHub queues that no runner pod was made for, queued for the scaler. */
  queuedStranded: number;
  /** Killed runners kept for a job that may have run on them unannounced, forgotten after 15 min. */
  forgottenKilledRunners: number;
  gitHubCalls: number;
  /** Steps left for the next run, the GitHub budget being spent. */
  deferred: number;
  failedSteps: number;
}

/**
 * One pass over the runner pods, repairing what webhooks and the world got wrong. Safe to run beside
 * the scaler and another reconciler: every delete names the pod's UID, and a job is queued again
 * before its broken pod goes, so a crash in between costs a duplicate message, never the job.
 */
export async function reconcileRunners(context: ReconcilerContext): Promise<ReconcileSummary> {
  const { config, log, metrics } = context;
  const summary: ReconcileSummary = {
    removedFinished: 0,
    replaced: 0,
    gaveUp: 0,
    removedUnstarted: 0,
    removedSpares: 0,
    openedToDisruption: 0,
    parkedForApproval: 0,
    queuedReruns: 0,
    removedGhosts: 0,
    queuedStranded: 0,
    forgottenKilledRunners: 0,
    warmRunnersCreated: 0,
    warmRunnersRemoved: 0,
    warmRunnersTaken: 0,
    gitHubCalls: 0,
    deferred: 0,
    failedSteps: 0,
  };
  const pods = await context.cluster.listPods();
  const steps = planReconciliation(pods, config, context.now());
  const budget = { left: config.reconciler.maxGitHubCallsPerRun };
  // Each GitHub call it is asked for is counted.
  const registry = aroundEachCall(context.registry, (call) => {
    summary.gitHubCalls += 1;
    return call();
  });

  await forEachConcurrently(steps, CONCURRENCY, async (step) => {
    if (STEP_COST[step.kind] > budget.left) {
      summary.deferred += 1;
      return;
    }
    budget.left -= STEP_COST[step.kind];
    try {
      await carryOut(step, pods, { ...context, registry }, summary);
    } catch (error) {
      summary.failedSteps += 1;
      metrics.record('Errors', 1, { Kind: errorKind(error) });
      log.warn('reconcile step failed; the next run tries again', {
        podName: step.pod.name,
        step: step.kind,
        error: errorMessage(error),
      });
    }
  });
  const sweep = async (what: string, work: () => Promise<number>) => {
    try {
      return await work();
    } catch (error) {
      summary.failedSteps += 1;
      metrics.record('Errors', 1, { Kind: errorKind(error) });
      log.warn(`could not ${what}; the next run tries again`, { error: errorMessage(error) });
      return 0;
    }
  };
  summary.warmRunnersCreated = await sweep('keep the warm pools', async () => {
    const pools = await keepWarmPools({ ...context, registry }, pods, budget);
    summary.warmRunnersRemoved = pools.warmRunnersRemoved;
    summary.warmRunnersTaken = pools.warmRunnersTaken;
    return pools.warmRunnersCreated;
  });
  summary.removedGhosts = await sweep('sweep ghost runners', () =>
    removeGhostRunners({ ...context, registry }, budget),
  );
  summary.queuedStranded = await sweep('look for stranded jobs', () =>
    queueStrandedJobs({ ...context, registry }, pods, budget),
  );
  summary.forgottenKilledRunners = await sweep('forget killed runners', () =>
    context.cluster.forgetKilledRunners(
      new Date(context.now().getTime() - KILLED_RUNNER_KEPT_SECONDS * 1000),
    ),
  );
  metrics.record('ReconcilerGitHubCalls', summary.gitHubCalls, { App: String(config.github.appId) });
  log.info('reconciled runner pods', { pods: steps.length, ...summary });
  return summary;
}

async function carryOut(
  step: ReconcileStep,
  pods: readonly RunnerPod[],
  context: ReconcilerContext,
  summary: ReconcileSummary,
) {
  switch (step.kind) {
    case 'remove-finished':
      if (!(await removeRunnerPod(context, step.pod, 'finished'))) return;
      summary.removedFinished += 1;
      // A warm runner finished: it served a job whose completed did not remove it.
      if (warmRunnerOf(step.pod))
        context.metrics.record('JobsServedByWarmRunners', 1, { RunnerClass: step.pod.runnerClass });
      return;
    case 'rerun-killed':
      return queueRerunOfKilledJob(step.pod, runningJobOfPod(step.pod), context, summary);
    case 'remember-killed':
      return rememberKilledRunner(step.pod, context);
    case 'replace-if-queued':
      return replaceIfQueued(step.pod, step.why, pods, context, summary);
    case 'remove-if-spare':
      return removeIdleSpare(step.pod, context, summary);
  }
}
