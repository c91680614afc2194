import type { JobMessage } from '../jobMessage.ts';
import { isRunnerOfJob } from '../pod/isRunnerOfJob.ts';
import { jobOfPod, rerunMessage } from '../pod/jobOfPod.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { parseRunnerPodName, runnerPodName } from '../pod/runnerNames.ts';
import { hasFinished } from '../pod/runnerPodPhase.ts';
import { parseWarmRunnerName, warmRunnerOf } from '../pool/warmRunner.ts';
import type { RunnerPod } from '../ports.ts';
import { killedJobRerun, rerunForKilledRunner } from '../runners/infrastructureKills.ts';
import { removeRunnerPod } from '../runners/removeRunnerPod.ts';
import { runnerScopeForJob } from '../runners/runnerScope.ts';
import type { DeletionReason } from '../telemetry/metricCatalog.ts';
import { done, handOver, type JobOutcome } from './jobOutcome.ts';
import type { ScalerContext } from './scalerContext.ts';

/**
 * `completed`: every queued job made one runner pod, and every job that ran used one up, though not
 * always its own: GitHub gives a queued job whichever matching runner is idle. So:
 * - a job that ran on one of our runners removes that runner's pod;
 * - if that runner was made for another job that no longer needs one, this job's own pod is the
 *   spare, and goes too;
 * - if the other job still needs one, this job's own pod is left for it, and when this job has
 *   none (its `queued` never came), the other job is queued again for a pod of its own;
 * - a job that used none of our runners (cancelled before any took it, or run elsewhere) frees its
 *   own pod.
 * Only the runner GitHub names is removed, never a newer pod made under its name (see
 * isRunnerOfJob), and only a pod made for this job is freed as its own. When the infrastructure
 * killed that runner mid-job, the job is also queued to be re-run (see rerunKilledJob). A busy runner is never
 * removed: it is marked instead, so the job it serves frees the spare later.
 */
export async function removeRunnerAfterJob(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  const classNames = context.config.runnerClasses.map((runnerClass) => runnerClass.name);
  const ownPodName = runnerPodName(message.runnerClass, message.jobId);
  const ranOn = message.runnerName
    ? (parseRunnerPodName(message.runnerName, classNames) ??
      (parseWarmRunnerName(message.runnerName, classNames) && { jobId: undefined }))
    : undefined;
  if (!message.runnerName || !ranOn) return done(await releaseSpareRunner(ownPodName, message, context));

  const pod = await context.cluster.readPod(message.runnerName);
  if (!pod || !isRunnerOfJob(pod, message)) {
    // The runner is gone already: this delivery is a duplicate, or late. A pod under its name now
    // was made anew, and is a spare only if it was made for this very job.
    const gone = `${message.runnerName}, which ran job ${message.jobId}, is gone`;
    // The infrastructure killed it, and the reconciler removed it before this job's completed came.
    const killed = message.runnerId ? await context.cluster.claimKilledRunner(message.runnerId) : undefined;
    if (killed) {
      const rerun = killedJobRerun(rerunMessage(message, killed.killedBy), killed, context);
      // Claimed, the record is gone: if the re-run cannot be sent, it is put back for the retry.
      if (rerun)
        await context.queue.send(rerun).catch(async (error: unknown) => {
          await context.cluster.rememberKilledRunner(killed);
          throw error;
        });
      return done(`${gone}; the infrastructure killed it, so the job is re-run once its run completes`);
    }
    if (!pod || ranOn.jobId !== message.jobId) return done(gone);
    return done(`${gone}; ${await releaseSpareRunner(ownPodName, message, context)}`);
  }
  // The re-run is sent before the pod is marked, so a failure in between costs a duplicate, never
  // the re-run. Once it is marked, the pod and a spare it leaves are the reconciler's.
  const rerun = await rerunForKilledRunner(pod, message, context, (killedJob) =>
    context.queue.send(killedJob),
  );
  if (rerun) return done(`${pod.name} was killed: the job is re-run once its run completes`);
  // A replacement may carry another pod's name: the job it was made for is on the pod itself.
  const takenJob = jobOfPod(pod);
  const takenJobId = takenJob?.jobId ?? ranOn.jobId;
  // A warm runner was made for no job: the one made for this job is a spare now. The job is counted
  // by the one delivery whose delete removed the warm runner.
  if (warmRunnerOf(pod)) {
    const removedWarm = await removeRunnerPod(context, pod, 'job-finished');
    if (removedWarm) context.metrics.record('JobsServedByWarmRunners', 1, { RunnerClass: pod.runnerClass });
    const removed = removedWarm ? `removed ${pod.name}` : `${pod.name} already gone`;
    return done(`${removed}; ${await releaseSpareRunner(ownPodName, message, context)}`);
  }
  const removed = await removeRunner(pod, 'job-finished', context);
  if (takenJobId === message.jobId) return done(removed);
  if (pod.annotations[ANNOTATION.ownJobFinished] === 'true') {
    return done(`${removed}; ${await releaseSpareRunner(ownPodName, message, context)}`);
  }
  if (!takenJob || (await context.cluster.readPod(ownPodName))) {
    return done(`${removed}; kept ${ownPodName} for job ${takenJobId}, whose runner this job took`);
  }
  return handOver(`${removed}; job ${takenJobId}, whose runner this job took, gets a runner anew`, takenJob);
}

async function removeRunner(pod: RunnerPod, reason: DeletionReason, context: ScalerContext): Promise<string> {
  return (await removeRunnerPod(context, pod, reason)) ? `removed ${pod.name}` : `${pod.name} already gone`;
}

/**
 * Removes the runner made for this job, which no job needs any more, unless it is busy; then it is
 * marked to free the next spare. A pod of that name made for another job (a replacement) is left.
 */
async function releaseSpareRunner(
  podName: string,
  message: JobMessage,
  context: ScalerContext,
): Promise<string> {
  const pod = await context.cluster.readPod(podName);
  if (!pod) return `no pod ${podName}`;
  const madeFor = jobOfPod(pod)?.jobId ?? message.jobId;
  if (madeFor !== message.jobId) return `kept ${podName}: it was made for job ${madeFor}`;
  if (hasFinished(pod)) {
    // Another job may have run on it unannounced: the reconciler queues that job's re-run first.
    if (pod.killedBy && !(ANNOTATION.rerunQueued in pod.annotations))
      return `left ${podName} to the reconciler: the infrastructure killed it`;
    await removeRunner(pod, 'job-finished', context);
    return `removed finished ${podName}`;
  }
  const runner = {
    installationId: message.installationId,
    scope: runnerScopeForJob(message, context.config.github),
    name: podName,
    id: pod.annotations[ANNOTATION.runnerId] ? Number(pod.annotations[ANNOTATION.runnerId]) : undefined,
  };
  // Deregistered first: GitHub refuses that for a busy runner, and gives a deregistered one no job.
  const runningJobId = pod.annotations[ANNOTATION.runningJobId];
  let busy = runningJobId ? `it runs job ${runningJobId}` : undefined;
  if (!busy && !(await context.registry.deregister(runner))) busy = 'its runner is busy';
  if (busy) {
    await context.cluster.annotatePod(pod, { [ANNOTATION.ownJobFinished]: 'true' });
    context.log.info('kept a busy runner', { podName, podUid: pod.uid, runs: busy });
    return `kept ${podName}: ${busy}`;
  }
  await removeRunner(pod, 'unused', context);
  return `removed unused ${podName}`;
}
