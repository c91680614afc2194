import type { Log, Metrics, PodRef, RunnerCluster } from '../ports.ts';
import type { DeletionReason } from '../telemetry/metricCatalog.ts';

/**
 * Deletes exactly this runner pod (never a newer one of the same name) and its Secret, which holds a
 * credential and so goes at once rather than with the garbage collector. Returns false when the pod
 * was already gone, is another pod of the same name now, or changed since `unchangedSince` (a
 * resourceVersion): a decision taken on an older sight of it, while GitHub was asked, is not carried
 * out on a pod that has since been killed, started or taken a job.
 */
export async function removeRunnerPod(
  context: { cluster: RunnerCluster; log: Log; metrics: Metrics },
  pod: PodRef & { runnerClass: string },
  reason: DeletionReason,
  options: { unchangedSince?: string } = {},
): Promise<boolean> {
  const removed = await context.cluster.deletePod(pod, options);
  // Changed since it was seen: the decision is taken again on the next sight of it.
  if (!removed && options.unchangedSince !== undefined) return false;
  // Also when the pod was gone already: its Secret may be left, and is deleted only if still its own.
  await context.cluster.deleteRunnerSecret(pod);
  if (!removed) return false;
  context.log.info('runner pod deleted', { podName: pod.name, podUid: pod.uid, reason });
  context.metrics.record('RunnerPodsDeleted', 1, { RunnerClass: pod.runnerClass, Reason: reason });
  return true;
}
