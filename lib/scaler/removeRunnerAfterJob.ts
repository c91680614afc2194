import type { JobMessage } from '../jobMessage.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { parseRunnerPodName, runnerPodName, runnerSecretName } from '../pod/runnerNames.ts';
import { runnerScopeForJob } from '../runnerScope.ts';
import { done, type JobOutcome } from './jobOutcome.ts';
import type { ScalerContext } from './scalerContext.ts';

/**
 * `completed`: remove the runner that ran the job, and the runner made for the job if another runner
 * took it or it was cancelled before any runner did, unless that runner is busy with another job.
 */
export async function removeRunnerAfterJob(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  const classNames = context.config.runnerClasses.map((runnerClass) => runnerClass.name);
  const results: string[] = [];
  if (message.runnerName && parseRunnerPodName(message.runnerName, classNames)) {
    const removed = await removeRunnerPod(message.runnerName, context);
    results.push(removed ? `removed ${message.runnerName}` : `${message.runnerName} already gone`);
  }
  const ownPodName = runnerPodName(message.runnerClass, message.jobId);
  if (ownPodName !== message.runnerName) {
    results.push(await removeUnusedRunner(ownPodName, message, context));
  }
  return done(results.join('; ') || 'no runner of ours');
}

async function removeUnusedRunner(
  podName: string,
  message: JobMessage,
  context: ScalerContext,
): Promise<string> {
  const pod = await context.cluster.readPod(podName);
  if (!pod) return `no pod ${podName}`;
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') {
    await removeRunnerPod(podName, context);
    return `removed finished ${podName}`;
  }
  const runningJobId = pod.annotations[ANNOTATION.runningJobId];
  if (runningJobId) return `kept ${podName}: it runs job ${runningJobId}`;

  const runner = {
    installationId: message.installationId,
    scope: runnerScopeForJob(message, context.config.github),
    name: podName,
    id: pod.annotations[ANNOTATION.runnerId] ? Number(pod.annotations[ANNOTATION.runnerId]) : undefined,
  };
  const state = await context.registry.runnerState(runner);
  if (state === 'busy') {
    context.log.info('kept a busy runner', { podName });
    return `kept ${podName}: its runner is busy`;
  }
  await removeRunnerPod(podName, context);
  if (state === 'idle') await context.registry.deregister(runner);
  return `removed unused ${podName}`;
}

async function removeRunnerPod(podName: string, context: ScalerContext): Promise<boolean> {
  const removed = await context.cluster.deletePod(podName);
  // The Secret holds a credential: remove it now rather than wait for the garbage collector.
  await context.cluster.deleteSecret(runnerSecretName(podName));
  if (removed) context.log.info('runner pod deleted', { podName });
  return removed;
}
