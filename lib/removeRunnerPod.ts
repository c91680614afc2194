import type { Log, Metrics, PodRef, RunnerCluster } from './ports.ts';
import type { DeletionReason } from './telemetry/metricCatalog.ts';

/**
 * Deletes exactly this runner pod (never a newer one of the same name) and its Secret, which holds a
 * credential and so goes at once rather than with the garbage collector. Returns false when the pod
 * was already gone, or is another pod of the same name now.
 */
export async function removeRunnerPod(
  context: { cluster: RunnerCluster; log: Log; metrics: Metrics },
  pod: PodRef & { runnerClass: string },
  reason: DeletionReason,
): Promise<boolean> {
  const removed = await context.cluster.deletePod(pod);
  // Also when the pod was gone already: its Secret may be left, and is deleted only if still its own.
  await context.cluster.deleteRunnerSecret(pod);
  if (!removed) return false;
  context.log.info('runner pod deleted', { podName: pod.name, podUid: pod.uid, reason });
  context.metrics.record('RunnerPodsDeleted', 1, { RunnerClass: pod.runnerClass, Reason: reason });
  return true;
}
