import type { JobMessage } from '../jobMessage.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { parseRunnerPodName } from '../pod/runnerNames.ts';
import { secondsBetween } from '../secondsBetween.ts';
import { done, type JobOutcome } from './jobOutcome.ts';
import type { ScalerContext } from './scalerContext.ts';

/** Clock difference between GitHub and the cluster that is still taken for the same moment. */
const CLOCK_SKEW_MS = 5000;

/**
 * `in_progress`: note on the runner's pod which job it took. A runner may take another job than the
 * one it was made for; this annotation is what keeps it from being removed as unused. A late or
 * repeated delivery may name a pod that has since been made anew under the same name (its job was
 * delivered again); a pod created after the job started is not the runner that took it, and is left
 * as it is.
 */
export async function recordRunnerTookJob(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  const classNames = context.config.runnerClasses.map((runnerClass) => runnerClass.name);
  const runner = message.runnerName ? parseRunnerPodName(message.runnerName, classNames) : undefined;
  if (!message.runnerName || !runner) return done('not one of our runners');
  const pod = await context.cluster.readPod(message.runnerName);
  if (!pod) return done(`${message.runnerName} already gone`);
  const startedAt = message.startedAt ? Date.parse(message.startedAt) : Number.NaN;
  if (pod.createdAt.getTime() > startedAt + CLOCK_SKEW_MS) {
    return done(`${message.runnerName} was made after job ${message.jobId} started: not its runner`);
  }
  const annotated = await context.cluster.annotatePod(message.runnerName, {
    [ANNOTATION.runningJobId]: String(message.jobId),
  });
  const startSeconds = secondsBetween(pod.createdAt.toISOString(), message.startedAt);
  if (annotated && startSeconds !== undefined) {
    context.metrics.record('RunnerStartLatency', startSeconds, { RunnerClass: runner.runnerClassName });
  }
  return done(
    annotated ? `${message.runnerName} runs job ${message.jobId}` : `${message.runnerName} already gone`,
  );
}
