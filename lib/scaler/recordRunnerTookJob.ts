import type { JobMessage } from '../jobMessage.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { parseRunnerPodName } from '../pod/runnerNames.ts';
import { secondsBetween } from '../secondsBetween.ts';
import { done, type JobOutcome } from './jobOutcome.ts';
import type { ScalerContext } from './scalerContext.ts';

/**
 * `in_progress`: note on the runner's pod which job it took. A runner may take another job than the
 * one it was made for; this annotation is what keeps it from being removed as unused.
 */
export async function recordRunnerTookJob(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  const classNames = context.config.runnerClasses.map((runnerClass) => runnerClass.name);
  const runner = message.runnerName ? parseRunnerPodName(message.runnerName, classNames) : undefined;
  if (!message.runnerName || !runner) return done('not one of our runners');
  const annotated = await context.cluster.annotatePod(message.runnerName, {
    [ANNOTATION.runningJobId]: String(message.jobId),
  });
  const startSeconds = annotated && secondsBetween(annotated.createdAt.toISOString(), message.startedAt);
  if (startSeconds !== undefined) {
    context.metrics.record('RunnerStartLatency', startSeconds, { RunnerClass: runner.runnerClassName });
  }
  return done(
    annotated ? `${message.runnerName} runs job ${message.jobId}` : `${message.runnerName} already gone`,
  );
}
