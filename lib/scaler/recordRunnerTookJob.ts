import type { JobMessage } from '../jobMessage.ts';
import { PROTECTED_FROM_DISRUPTION } from '../pod/disruption.ts';
import { isRunnerOfJob } from '../pod/isRunnerOfJob.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { parseRunnerPodName } from '../pod/runnerNames.ts';
import { topUpWarmPool } from '../pool/topUpWarmPool.ts';
import { isIdleWarmRunner, parseWarmRunnerName, warmRunnerOf } from '../pool/warmRunner.ts';
import { secondsBetween } from '../util/secondsBetween.ts';
import { done, type JobOutcome } from './jobOutcome.ts';
import type { ScalerContext } from './scalerContext.ts';

/**
 * `in_progress`: note on the runner's pod which job it took, and protect it from the node
 * autoscaler again in case the reconciler had opened it as idle. A runner may take another job than
 * the one it was made for; this annotation is what keeps it from being removed as unused. A late or
 * repeated delivery may name a pod that has since been made anew under the same name: that one is
 * left alone (see isRunnerOfJob).
 */
export async function recordRunnerTookJob(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  const classNames = context.config.runnerClasses.map((runnerClass) => runnerClass.name);
  const runner = message.runnerName
    ? (parseRunnerPodName(message.runnerName, classNames) ??
      parseWarmRunnerName(message.runnerName, classNames))
    : undefined;
  if (!message.runnerName || !runner) return done('not one of our runners');
  const pod = await context.cluster.readPod(message.runnerName);
  if (!pod) return done(`${message.runnerName} already gone`);
  if (!isRunnerOfJob(pod, message)) {
    return done(
      `${message.runnerName} is a newer runner of that name than the one job ${message.jobId} took`,
    );
  }
  // A warm runner's first job: its pool is topped up, unless the reconciler did.
  const warmFirstJob = warmRunnerOf(pod) !== undefined && !(ANNOTATION.runningJobId in pod.annotations);
  const topUp = isIdleWarmRunner(pod);
  const annotated = await context.cluster.annotatePod(pod, {
    [ANNOTATION.runningJobId]: String(message.jobId),
    [ANNOTATION.runningJob]: JSON.stringify({ ...message, attempt: 0, failures: 0 }),
    ...PROTECTED_FROM_DISRUPTION,
  });
  const startSeconds = secondsBetween(pod.createdAt.toISOString(), message.startedAt);
  if (annotated && startSeconds !== undefined) {
    context.metrics.record('RunnerStartLatency', startSeconds, { RunnerClass: runner.runnerClassName });
  }
  if (!annotated) return done(`${message.runnerName} already gone`);
  if (!warmFirstJob) return done(`${message.runnerName} runs job ${message.jobId}`);
  const toppedUp = topUp ? await topUpWarmPool(pod, message, context) : 'the reconciler topped its pool up';
  return done(`warm runner ${message.runnerName} runs job ${message.jobId}; ${toppedUp}`);
}
