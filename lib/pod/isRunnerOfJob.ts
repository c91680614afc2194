import type { RunnerPod } from '../ports.ts';
import { ANNOTATION } from './labels.ts';

/** Clock difference between GitHub and the cluster that is still taken for the same moment. */
const CLOCK_SKEW_MS = 5000;

/**
 * Whether the pod is the runner that GitHub says took a job (`in_progress`, `completed`), and not a
 * newer pod made under the same name after it (its job was delivered again). A JIT runner is told by
 * the runner ID GitHub gave it, and only by it; registration tokens give no ID, so then a pod
 * created after the job started cannot be it.
 */
export function isRunnerOfJob(
  pod: Pick<RunnerPod, 'annotations' | 'createdAt'>,
  job: { runnerId?: number | null | undefined; startedAt?: string | null | undefined },
): boolean {
  const podRunnerId = pod.annotations[ANNOTATION.runnerId];
  // GitHub names the runner of a job by its ID as well: a JIT runner is never matched without it.
  if (podRunnerId) return String(job.runnerId ?? '') === podRunnerId;
  const startedAt = Date.parse(job.startedAt ?? '');
  return Number.isNaN(startedAt) || pod.createdAt.getTime() <= startedAt + CLOCK_SKEW_MS;
}
