import type { JobMessage } from '../jobMessage.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { parseRunnerPodName } from '../pod/runnerNames.ts';
import type { RunnerPod } from '../ports.ts';
import { secondsBetween } from '../secondsBetween.ts';
import { done, type JobOutcome } from './jobOutcome.ts';
import type { ScalerContext } from './scalerContext.ts';

/** Clock difference between GitHub and the cluster that is still taken for the same moment. */
const CLOCK_SKEW_MS = 5000;

/**
 * `in_progress`: note on the runner's pod which job it took. A runner may take another job than the
 * one it was made for; this annotation is what keeps it from being removed as unused. A late or
 * repeated delivery may name a pod that has since been made anew under the same name (its job was
 * delivered again). That pod is not the runner that took the job: its JIT runner ID differs, or
 * (registration tokens give no ID) it was created after the job started.
 */
export async function recordRunnerTookJob(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  const classNames = context.config.runnerClasses.map((runnerClass) => runnerClass.name);
  const runner = message.runnerName ? parseRunnerPodName(message.runnerName, classNames) : undefined;
  if (!message.runnerName || !runner) return done('not one of our runners');
  const pod = await context.cluster.readPod(message.runnerName);
  if (!pod) return done(`${message.runnerName} already gone`);
  if (!isRunnerThatTookJob(pod, message)) {
    return done(
      `${message.runnerName} is a newer runner of that name than the one job ${message.jobId} took`,
    );
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

/** Whether the pod is the runner that took the job, and not a newer runner under the same name. */
function isRunnerThatTookJob(pod: RunnerPod, message: JobMessage): boolean {
  const podRunnerId = pod.annotations[ANNOTATION.runnerId];
  if (message.runnerId && podRunnerId) return String(message.runnerId) === podRunnerId;
  // Registration tokens give no runner ID: a pod created after the job started cannot have taken it.
  const startedAt = Date.parse(message.startedAt ?? '');
  return Number.isNaN(startedAt) || pod.createdAt.getTime() <= startedAt + CLOCK_SKEW_MS;
}
