import type { InfrastructureKillReason } from '../telemetry/metricCatalog.ts';
import type { PodStatusView } from './podManifest.ts';

/** The reasons Kubernetes gives on a pod's `DisruptionTarget` condition, and what each means for us. */
const DISRUPTION_TARGET_REASONS: Record<string, InfrastructureKillReason> = {
  EvictionByEvictionAPI: 'evicted',
  PreemptionByScheduler: 'preempted',
  DeletionByTaintManager: 'node-lost',
  DeletionByPodGC: 'node-lost',
  TerminationByKubelet: 'node-shutdown',
};

/** `status.reason` of a failed pod, as the kubelet and the node lifecycle set it. */
const FAILED_POD_REASONS: Record<string, InfrastructureKillReason> = {
  Evicted: 'evicted',
  Preempting: 'preempted',
  NodeLost: 'node-lost',
  Terminated: 'node-shutdown',
  Shutdown: 'node-shutdown',
  NodeShutdown: 'node-shutdown',
};

/**
 * How the infrastructure, not the job, ended (or is ending) a runner pod: an eviction (a drain, node
 * pressure), a preemption, a lost node, a node shutdown, or the Docker sidecar killed for memory. A
 * pod the API server is deleting for one of these carries a `DisruptionTarget` condition while it
 * still terminates. Undefined for the job's own ends: the runner container exiting or OOM-killed
 * (the job's steps run in it), or the job's deadline (`DeadlineExceeded`). Pure.
 */
export function infrastructureKill(pod: {
  status?: PodStatusView | undefined;
}): InfrastructureKillReason | undefined {
  const status = pod.status ?? {};
  const disruption = (status.conditions ?? []).find(
    (condition) => condition.type === 'DisruptionTarget' && condition.status === 'True',
  );
  const byCondition = disruption?.reason ? DISRUPTION_TARGET_REASONS[disruption.reason] : undefined;
  if (byCondition) return byCondition;
  const byReason = status.phase === 'Failed' && status.reason ? FAILED_POD_REASONS[status.reason] : undefined;
  if (byReason) return byReason;
  const sidecarOomKilled = (status.initContainerStatuses ?? []).some(
    (sidecar) =>
      sidecar.name === 'dockerd' &&
      (sidecar.state?.terminated?.reason === 'OOMKilled' ||
        sidecar.lastState?.terminated?.reason === 'OOMKilled'),
  );
  return sidecarOomKilled ? 'sidecar-oom' : undefined;
}
