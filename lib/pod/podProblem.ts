import type { PodProblem } from '../telemetry/metricCatalog.ts';
import type { ContainerStatusView, PodStatusView } from './podManifest.ts';

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_ERROR = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** Why a runner pod failed or cannot start, folded into what an operator acts on; undefined if healthy. */
export function podProblem(pod: { status?: PodStatusView | undefined }): PodProblem | undefined {
  const status = pod.status ?? {};
  const containers: ContainerStatusView[] = [
    ...(status.initContainerStatuses ?? []),
    ...(status.containerStatuses ?? []),
  ];
  const waiting = containers.map((container) => container.state?.waiting?.reason ?? '');
  if (waiting.some((reason) => IMAGE_PULL.has(reason))) return 'image-pull';
  if (waiting.some((reason) => CONFIG_ERROR.has(reason))) return 'config-error';
  if (waiting.includes('CrashLoopBackOff')) return 'crash-loop';
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
