import type { RunnerPod } from '../ports.ts';

/** Whether the pod's containers have ended, for good: a runner pod never restarts. */
export function hasFinished(pod: Pick<RunnerPod, 'phase'>): boolean {
  return pod.phase === 'Succeeded' || pod.phase === 'Failed';
}
