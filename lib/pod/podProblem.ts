import type { PodProblem } from '../telemetry/metricCatalog.ts';
import type { ContainerStatusView, PodView } from './podManifest.ts';

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_ERROR = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** Why a runner pod failed or cannot start, folded into what an operator acts on; undefined if healthy. */
export function podProblem(pod: PodView): PodProblem | undefined {
  const status = pod.status ?? {};
  const containers: ContainerStatusView[] = [
    ...(status.initContainerStatuses ?? []),
    ...(status.containerStatuses ?? []),
  ];
  const waiting = containers.map((container) => container.state?.waiting?.reason ?? '');
  if (waiting.some((reason) => IMAGE_PULL.has(reason))) return 'image-pull';
  if (waiting.some((reason) => CONFIG_ERROR.has(reason))) return 'config-error';
  if (waiting.includes('CrashLoopBackOff')) return 'crash-loop';
  const sidecar = failingSidecar(pod);
  if (sidecar) return sidecar;
  const unschedulable = (status.conditions ?? []).some(
    (condition) =>
      condition.type === 'PodScheduled' &&
      condition.status === 'False' &&
      condition.reason === 'Unschedulable',
  );
  if (unschedulable) return 'unschedulable';
  if (status.phase !== 'Failed') return undefined;
  if (status.reason === 'Evicted') return 'evicted';
  const terminated = containers.map((container) => container.state?.terminated?.reason ?? '');
  return terminated.includes('OOMKilled') ? 'oom-killed' : 'failed';
}

const SIDECAR_END: Record<string, PodProblem> = { StartError: 'config-error', OOMKilled: 'oom-killed' };

/**
 * A sidecar (the dind daemon) that cannot start or keeps exiting shows, between its restarts, as
 * terminated, never as waiting, and the pod stays Pending: seen on a real kubelet, where a dind
 * image without dockerd gives `StartError` over and over. Restarted and down, while the pod is
 * neither ending nor finished, it is failing.
 */
function failingSidecar(pod: PodView): PodProblem | undefined {
  const { phase } = pod.status ?? {};
  if (pod.metadata?.deletionTimestamp || (phase !== 'Pending' && phase !== 'Running')) return undefined;
  const sidecars = new Set(
    (pod.spec?.initContainers ?? [])
      .filter(({ restartPolicy }) => restartPolicy === 'Always')
      .map(({ name }) => name),
  );
  const down = (pod.status?.initContainerStatuses ?? []).find(
    (status) => sidecars.has(status.name) && (status.restartCount ?? 0) > 0 && status.state?.terminated,
  );
  if (!down) return undefined;
  return SIDECAR_END[down.state?.terminated?.reason ?? ''] ?? 'crash-loop';
}
