import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import type { JobMessage } from '../jobMessage.ts';
import { isRunnerOfJob } from '../pod/isRunnerOfJob.ts';
import { jobOfPod } from '../pod/jobOfPod.ts';
import { parseRunnerPodName } from '../pod/runnerNames.ts';
import type { JobStatus, RunnerPod } from '../ports.ts';
import { rememberKilledRunner } from '../runners/infrastructureKills.ts';
import { removeRunnerPod } from '../runners/removeRunnerPod.ts';
import { parkJobWaitingForApproval } from './parkJobWaitingForApproval.ts';
import { queueRerunOfKilledJob } from './queueRerunOfKilledJob.ts';
import type { ReconcilerContext, ReconcileSummary } from './reconcileRunners.ts';

/**
 * A runner pod that failed before taking a job, or did not start in time, goes, and is replaced if
 * GitHub still queues the job it stood for. A job GitHub holds for an approval needs no runner yet:
 * it is put back to be looked at again instead, and counts no replacement. One the infrastructure
 * killed may have run a job unannounced: GitHub's job record may name it, or else it is kept as a
 * killed runner for that job's `completed` (see rememberKilledRunner).
 */
export async function replaceIfQueued(
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
  const { needsRunner, waitingForApproval, ranHere } = await jobWaitingForRunner(job, pod, pods, context);
  // Killed before its in_progress reached us: GitHub's job record says it ran here.
  if (ranHere && pod.killedBy) return queueRerunOfKilledJob(pod, job, context, summary);
  await rememberKilledRunner(pod, context);
  if (waitingForApproval)
    await parkJobWaitingForApproval({ ...waitingForApproval, podName: pod.name }, context, summary);
  if (needsRunner) {
    const jobLog = {
      jobId: needsRunner.jobId,
      deliveryId: needsRunner.deliveryId,
      podName: pod.name,
      runnerClass: needsRunner.runnerClass,
      why,
    };
    if (needsRunner.replacements >= config.reconciler.maxReplacements) {
      const reason = `${needsRunner.replacements + 1} runner pods for job ${needsRunner.jobId} could not start; last: ${why}`;
      await queue.sendToDeadLetter(JSON.stringify(needsRunner), reason);
      summary.gaveUp += 1;
      log.error('gave up replacing the runner of a job', jobLog);
    } else {
      // Under the broken pod's name: the pod named after the job may be another job's runner.
      await queue.send(
        { ...needsRunner, podName: pod.name, replacements: needsRunner.replacements + 1 },
        { delaySeconds: replacementDelaySeconds(needsRunner.replacements) },
      );
      summary.replaced += 1;
      metrics.record('RunnerReplacements', 1, { RunnerClass: needsRunner.runnerClass });
      log.warn('replacing a runner pod that could not start', jobLog);
    }
  }
  // As seen: a pod that started and took a job meanwhile stays; its replacement becomes a spare.
  const unchangedSince = pod.resourceVersion;
  if ((await removeRunnerPod(context, pod, 'failed-to-start', { unchangedSince })) && !needsRunner)
    summary.removedUnstarted += 1;
}

/**
 * The job a broken runner pod must be replaced for, if any: its own job while GitHub still queues it,
 * or else the job whose runner its own job took (GitHub gives a job whichever runner of its labels is
 * idle first), while that one is queued. Without the second, a job whose runner was taken loses the
 * pod that stood in for it. Either, held by GitHub for an approval, is `waitingForApproval` instead.
 */
async function jobWaitingForRunner(
  job: JobMessage,
  pod: RunnerPod,
  pods: readonly RunnerPod[],
  context: ReconcilerContext,
): Promise<{ needsRunner?: JobMessage; waitingForApproval?: JobMessage; ranHere?: boolean }> {
  const own = await context.registry.readJob(job);
  if (own.status === 'queued' || own.status === 'waiting') return jobNeeds(own.status, job);
  if (!own.runnerName) return {};
  if (own.runnerName === pod.name) return { ranHere: isRunnerOfJob(pod, own) };
  const takenPod = pods.find(({ name }) => name === own.runnerName);
  const taken = takenPod ? jobOfPod(takenPod) : jobNamedByRunner(own.runnerName, job, context.config);
  if (!taken || taken.jobId === job.jobId) return {};
  return jobNeeds((await context.registry.readJob(taken)).status, taken);
}

function jobNeeds(status: JobStatus, job: JobMessage) {
  if (status === 'queued') return { needsRunner: job };
  return status === 'waiting' ? { waitingForApproval: job } : {};
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
function replacementDelaySeconds(replacements: number): number {
  return Math.min(900, 30 * 2 ** replacements);
}
