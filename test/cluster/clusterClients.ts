import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { KubernetesApplier } from '../../lib/adapters/kubernetesApplier.ts';
import { KubernetesRunnerCluster } from '../../lib/adapters/kubernetesRunnerCluster.ts';
import {
  type CustomResourceEvent,
  type CustomResourceResponse,
  handlePrerequisitesEvent,
} from '../../lib/cluster/prerequisitesResource.ts';
import { captureLog } from '../helpers/captureLog.ts';

export type Identity = 'scaler' | 'admin' | 'prerequisites';

/** The KubeConfig of one identity on the test control plane. */
export function kubeConfigOf(identity: Identity): KubeConfig {
  const access = inject('controlPlane');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(access[`${identity}Kubeconfig`]);
  return kubeConfig;
}

/** The CoreV1Api of one identity on the test control plane. */
export function coreApi(identity: Identity): CoreV1Api {
  return kubeConfigOf(identity).makeApiClient(CoreV1Api);
}

/** The RunnerCluster adapter as the scaler uses it, with the scaler's own identity. */
export function scalerCluster(namespace = inject('controlPlane').namespace): KubernetesRunnerCluster {
  const api = coreApi('scaler');
  return new KubernetesRunnerCluster({ namespace, api: async () => api });
}

/** The server-side applier as the prerequisites function uses it, with one identity. */
export function applierAs(identity: Identity): KubernetesApplier {
  const api = KubernetesObjectApi.makeApiClient(kubeConfigOf(identity));
  return new KubernetesApplier(async () => api);
}

/** The cluster prerequisites custom resource's handling of the event, as the identity. */
export function handlePrerequisitesAs(
  identity: Identity,
  event: CustomResourceEvent,
): Promise<CustomResourceResponse> {
  return handlePrerequisitesEvent(event, {
    applier: applierAs(identity),
    log: captureLog(),
    deadline: AbortSignal.timeout(50_000),
  });
}

let nextJobId = Date.now() % 1_000_000_000;
export const uniqueJobId = () => nextJobId++;
