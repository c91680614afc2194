import { runnerSecretName } from './pod/runnerNames.ts';
import type { Log, Metrics, RunnerCluster } from './ports.ts';
import type { DeletionReason } from './telemetry/metricCatalog.ts';

/**
 * Deletes a runner pod (only if it still has this UID, when given) and its Secret, which holds a
 * credential and so goes at once rather than with the garbage collector. Returns false when the pod
 * was already gone, or is another pod of the same name now.
 */
export async function removeRunnerPod(
  context: { cluster: RunnerCluster; log: Log; metrics: Metrics },
  pod: { name: string; runnerClass: string; uid?: string },
  reason: DeletionReason,
): Promise<boolean> {
  const removed = await context.cluster.deletePod(pod.name, pod.uid);
  // A pod gone by name may have left its Secret; a UID that no longer matches means the name, and
  // the Secret, belong to a newer pod now.
  if (removed || pod.uid === undefined) await context.cluster.deleteSecret(runnerSecretName(pod.name));
  if (!removed) return false;
  context.log.info('runner pod deleted', { podName: pod.name, reason });
  context.metrics.record('RunnerPodsDeleted', 1, { RunnerClass: pod.runnerClass, Reason: reason });
  return true;
}
