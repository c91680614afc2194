import type { JobMessage } from '../jobMessage.ts';
import { isRunnerOfJob } from '../pod/isRunnerOfJob.ts';
import { jobOfPod } from '../pod/jobOfPod.ts';
import { parseRunnerPodName } from '../pod/runnerNames.ts';
import type { JobState, JobStatus, RunnerPod } from '../ports.ts';

/** What GitHub said, read before the decision: the broken pod's own job, and the job whose runner it took. */
export interface ReplacementReads {
  own: JobState;
  /** Read only when `jobWhoseRunnerItTook` names one. */
  taken?: { job: JobMessage; status: JobStatus } | undefined;
}

/** What to do about a broken runner pod's job, besides removing the pod. */
export type ReplacementPlan =
  /** Its job ran on it before the infrastructure killed it (its `in_progress` never came): re-run it. */
  | { kind: 'rerun-killed' }
  /** GitHub queues this job and it needs a runner: make one, under the broken pod's name, after the delay. */
  | { kind: 'replace'; job: JobMessage; delaySeconds: number }
  /** As `replace`, but `maxReplacements` runners failed already: park it in the dead-letter queue. */
  | { kind: 'give-up'; job: JobMessage; reason: string }
  /** GitHub holds this job for an approval: put it back to be looked at again, without a runner. */
  | { kind: 'park'; job: JobMessage }
  /** No job needs a runner from it. */
  | { kind: 'none' };

/**
 * The job whose runner the broken pod's own job took, if another: GitHub gives a job whichever runner
 * of its labels is idle first, and that job is then left without one. Read from the taken runner's
 * pod, or from its name alone when the pod is gone (see jobNamedByRunner). Pure.
 */
export function jobWhoseRunnerItTook(
  job: JobMessage,
  own: JobState,
  pod: RunnerPod,
  pods: readonly RunnerPod[],
  classNames: readonly string[],
): JobMessage | undefined {
  if (own.status === 'queued' || own.status === 'waiting') return undefined;
  if (!own.runnerName || own.runnerName === pod.name) return undefined;
  const takenPod = pods.find(({ name }) => name === own.runnerName);
  const taken = takenPod ? jobOfPod(takenPod) : jobNamedByRunner(own.runnerName, job, classNames);
  return taken?.jobId === job.jobId ? undefined : taken;
}

/**
 * Decides, from GitHub's reads, what a broken runner pod's job needs: its own job while GitHub still
 * queues it, or else the job whose runner its own job took, while that one is queued; either, held
 * for an approval, is parked instead. Without the second, a job whose runner was taken loses the pod
 * that stood in for it. Pure.
 */
export function planReplacement(
  job: JobMessage,
  pod: RunnerPod,
  reads: ReplacementReads,
  why: string,
  maxReplacements: number,
): ReplacementPlan {
  const { own, taken } = reads;
  if (own.runnerName === pod.name && isRunnerOfJob(pod, own) && pod.killedBy) return { kind: 'rerun-killed' };
  const [status, waiting] =
    own.status === 'queued' || own.status === 'waiting' ? [own.status, job] : [taken?.status, taken?.job];
  if (!waiting) return { kind: 'none' };
  if (status === 'waiting') return { kind: 'park', job: waiting };
  if (status !== 'queued') return { kind: 'none' };
  if (waiting.replacements >= maxReplacements) {
    const reason = `${waiting.replacements + 1} runner pods for job ${waiting.jobId} could not start; last: ${why}`;
    return { kind: 'give-up', job: waiting, reason };
  }
  return {
    kind: 'replace',
    job: { ...waiting, podName: pod.name, replacements: waiting.replacements + 1 },
    delaySeconds: replacementDelaySeconds(waiting.replacements),
  };
}

/**
 * The job a runner pod that is gone was made for, from its name alone. Its runner served the same
 * labels, so the job shares the runner class and scope; its repository is taken to be the same, which
 * holds for repository runners (an organisation runner's job in another repository reads as absent).
 */
function jobNamedByRunner(
  runnerName: string,
  job: JobMessage,
  classNames: readonly string[],
): JobMessage | undefined {
  const named = parseRunnerPodName(runnerName, classNames);
  if (named?.runnerClassName !== job.runnerClass) return undefined;
  const { podName: _ownPod, ...rest } = job;
  return { ...rest, jobId: named.jobId, replacements: 0 };
}

/** Delay before a replacement runner is made: 30 s, doubling with every replacement. */
function replacementDelaySeconds(replacements: number): number {
  return Math.min(900, 30 * 2 ** replacements);
}
