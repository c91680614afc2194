import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { errorKind, errorMessage } from '../errors.ts';
import { forEachConcurrently } from '../forEachConcurrently.ts';
import { rerunForKilledRunner } from '../infrastructureKills.ts';
import type { JobMessage } from '../jobMessage.ts';
import { isRunnerOfJob } from '../pod/isRunnerOfJob.ts';
import { jobOfPod, runningJobOfPod } from '../pod/jobOfPod.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { parseRunnerPodName } from '../pod/runnerNames.ts';
import type { JobQueue, Log, Metrics, RunnerCluster, RunnerPod, RunnerRegistry } from '../ports.ts';
import { removeRunnerPod } from '../removeRunnerPod.ts';
import { planReconciliation, type ReconcileStep } from './planReconciliation.ts';
import { queueStrandedJobs } from './queueStrandedJobs.ts';
import { removeGhostRunners } from './removeGhostRunners.ts';
import { removeIdleSpare } from './removeIdleSpare.ts';

/** A re-run waits at least this long: GitHub refuses it while the job's run is still in progress. */
const RUN_CHECK_DELAY_SECONDS = 60;
/** Steps carried out at once. */
const CONCURRENCY = 8;
/** GitHub calls each kind of step may make, reserved from the run's budget before it starts. */
const STEP_COST = {
  'remove-finished': 0,
  'rerun-killed': 0,
  'replace-if-queued': 2,
  'remove-if-spare': 3,
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

export interface ReconcileSummary {
  removedFinished: number;
  replaced: number;
  /** Jobs parked in the dead-letter queue after `maxReplacements` runners failed to start. */
  gaveUp: number;
  /** Runners that could not start, for jobs GitHub no longer queues. */
  removedUnstarted: number;
  removedSpares: number;
  /** Idle runners whose own job still waits, opened to disruption so they do not hold their node. */
  openedToDisruption: number;
  /** Jobs queued to be re-run because the infrastructure killed their runner mid-job. */
  queuedReruns: number;
  /** Runners registered on GitHub whose pod is gone, offline and idle, deregistered. */
  removedGhosts: number;
  /** Jobs GitHub queues that no runner pod was made for, queued for the scaler. */
  queuedStranded: number;
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
    queuedReruns: 0,
    removedGhosts: 0,
    queuedStranded: 0,
    gitHubCalls: 0,
    deferred: 0,
    failedSteps: 0,
  };
  const pods = await context.cluster.listPods();
  const steps = planReconciliation(pods, config, context.now());
  const budget = { left: config.reconciler.maxGitHubCallsPerRun };
  const registry = countingCalls(context.registry, () => summary.gitHubCalls++);

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
  summary.removedGhosts = await sweep('sweep ghost runners', () =>
    removeGhostRunners({ ...context, registry }, budget),
  );
  summary.queuedStranded = await sweep('look for stranded jobs', () =>
    queueStrandedJobs({ ...context, registry }, pods, budget),
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
      if (await removeRunnerPod(context, step.pod, 'finished')) summary.removedFinished += 1;
      return;
    case 'rerun-killed':
      return queueRerunOfKilledJob(step.pod, runningJobOfPod(step.pod), context, summary);
    case 'replace-if-queued':
      return replaceIfQueued(step.pod, step.why, pods, context, summary);
    case 'remove-if-spare':
      return removeIdleSpare(step.pod, context, summary);
  }
}

async function replaceIfQueued(
  pod: RunnerPod,
  why: string,
  pods: readonly RunnerPod[],
  context: ReconcilerContext,
  summary: ReconcileSummary,
) {
  const { config, queue, log, metrics } = context;
  const job = jobOfPod(pod);
  if (!job) {
    if (await removeRunnerPod(context, pod, 'failed-to-start')) summary.removedUnstarted += 1;
    log.error('removed a runner pod that could not start and names no job', { podName: pod.name, why });
    return;
  }
  const { waiting, ranHere } = await jobWaitingForRunner(job, pod, pods, context);
  // Killed before its in_progress reached us: GitHub's job record says it ran here.
  if (ranHere && pod.killedBy) return queueRerunOfKilledJob(pod, job, context, summary);
  // Another job may have run here unannounced: its completed needs the pod (see planReconciliation).
  if (!waiting && pod.killedBy && !(ANNOTATION.killedSeenAt in pod.annotations)) {
    await context.cluster.annotatePod(pod, { [ANNOTATION.killedSeenAt]: context.now().toISOString() });
    return;
  }
  if (waiting) {
    const jobLog = {
      jobId: waiting.jobId,
      deliveryId: waiting.deliveryId,
      podName: pod.name,
      runnerClass: waiting.runnerClass,
      why,
    };
    if (waiting.replacements >= config.reconciler.maxReplacements) {
      const reason = `${waiting.replacements + 1} runner pods for job ${waiting.jobId} could not start; last: ${why}`;
      await queue.sendToDeadLetter(JSON.stringify(waiting), reason);
      summary.gaveUp += 1;
      log.error('gave up replacing the runner of a job', jobLog);
    } else {
      // Under the broken pod's name: the pod named after the waiting job may be another job's runner.
      const runnerId = Number(pod.annotations[ANNOTATION.runnerId]);
      const replacesKilledRunner =
        pod.killedBy && runnerId ? { runnerId, killedBy: pod.killedBy } : undefined;
      await queue.send(
        { ...waiting, podName: pod.name, replacements: waiting.replacements + 1, replacesKilledRunner },
        { delaySeconds: replacementDelaySeconds(waiting.replacements) },
      );
      summary.replaced += 1;
      metrics.record('RunnerReplacements', 1, { RunnerClass: waiting.runnerClass });
      log.warn('replacing a runner pod that could not start', jobLog);
    }
  }
  if ((await removeRunnerPod(context, pod, 'failed-to-start')) && !waiting) summary.removedUnstarted += 1;
}

/**
 * The job a broken runner pod must be replaced for, if any: its own job while GitHub still queues it,
 * or else the job whose runner its own job took (GitHub gives a job whichever runner of its labels is
 * idle first), while that one is queued. Without the second, a job whose runner was taken loses the
 * pod that stood in for it.
 */
async function jobWaitingForRunner(
  job: JobMessage,
  pod: RunnerPod,
  pods: readonly RunnerPod[],
  context: ReconcilerContext,
): Promise<{ waiting?: JobMessage; ranHere?: boolean }> {
  const own = await context.registry.readJob(job);
  if (own.status === 'queued') return { waiting: job };
  if (!own.runnerName) return {};
  if (own.runnerName === pod.name) return { ranHere: isRunnerOfJob(pod, own) };
  const takenPod = pods.find(({ name }) => name === own.runnerName);
  const taken = takenPod ? jobOfPod(takenPod) : jobNamedByRunner(own.runnerName, job, context.config);
  if (!taken || taken.jobId === job.jobId) return {};
  return (await context.registry.readJob(taken)).status === 'queued' ? { waiting: taken } : {};
}

/**
 * A runner the infrastructure killed while it ran a job: its job is queued to be re-run once its
 * run completes (the scaler's rerunKilledJob then decides whether it still needs one), and the pod
 * goes, unless the API server is deleting it already (an eviction). The pod is read again first:
 * the scaler's `completed` for the job may have dealt with it since the pods were listed.
 */
async function queueRerunOfKilledJob(
  pod: RunnerPod,
  ranJob: JobMessage | undefined,
  context: ReconcilerContext,
  summary: ReconcileSummary,
) {
  const current = await context.cluster.readPod(pod.name);
  if (current?.uid !== pod.uid) return;
  const rerun = await rerunForKilledRunner(current, ranJob, context);
  if (rerun) {
    await context.queue.send(rerun, { delaySeconds: RUN_CHECK_DELAY_SECONDS });
    summary.queuedReruns += 1;
  }
  if (!current.deleting && (await removeRunnerPod(context, current, 'finished')))
    summary.removedFinished += 1;
}

/**
 * The job a runner pod that is gone was made for, from its name alone. Its runner served the same
 * labels, so the job shares the runner class and scope; its repository is taken to be the same, which
 * holds for repository runners (an organisation runner's job in another repository reads as absent).
 */
function jobNamedByRunner(
  runnerName: string,
  job: JobMessage,
  config: AutoscalerConfig,
): JobMessage | undefined {
  const classNames = config.runnerClasses.map(({ name }) => name);
  const named = parseRunnerPodName(runnerName, classNames);
  if (named?.runnerClassName !== job.runnerClass) return undefined;
  const { podName: _ownPod, ...rest } = job;
  return { ...rest, jobId: named.jobId, replacements: 0 };
}

/** Delay before a replacement runner is made: 30 s, doubling with every replacement. */
export function replacementDelaySeconds(replacements: number): number {
  return Math.min(900, 30 * 2 ** replacements);
}

/** The registry, counting each GitHub call it is asked for. */
function countingCalls(registry: RunnerRegistry, count: () => void): RunnerRegistry {
  const counted =
    <Arguments extends unknown[], Result>(call: (...args: Arguments) => Promise<Result>) =>
    (...args: Arguments) => {
      count();
      return call(...args);
    };
  return {
    register: counted((request) => registry.register(request)),
    deregister: counted((runner) => registry.deregister(runner)),
    isBusy: counted((runner) => registry.isBusy(runner)),
    readJob: counted((job) => registry.readJob(job)),
    installations: counted(() => registry.installations()),
    listRunners: counted((installationId, scope, maxPages) =>
      registry.listRunners(installationId, scope, maxPages),
    ),
    listRepositories: counted((installationId, maxPages) =>
      registry.listRepositories(installationId, maxPages),
    ),
    listRuns: counted((installationId, repository, status) =>
      registry.listRuns(installationId, repository, status),
    ),
    listRunJobs: counted((installationId, repository, runId) =>
      registry.listRunJobs(installationId, repository, runId),
    ),
    readRun: counted((run) => registry.readRun(run)),
    rerunJob: counted((job) => registry.rerunJob(job)),
    rerunFailedJobs: counted((run) => registry.rerunFailedJobs(run)),
  };
}
