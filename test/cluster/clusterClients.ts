import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { KubernetesRunnerCluster } from '../../lib/adapters/kubernetesRunnerCluster.ts';

/** The KubeConfig of one identity on the test control plane. */
export function kubeConfigOf(identity: 'scaler' | 'admin'): KubeConfig {
  const access = inject('controlPlane');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(identity === 'scaler' ? access.scalerKubeconfig : access.adminKubeconfig);
  return kubeConfig;
}

/** The CoreV1Api of one identity on the test control plane. */
export function coreApi(identity: 'scaler' | 'admin'): CoreV1Api {
  return kubeConfigOf(identity).makeApiClient(CoreV1Api);
}

/** The RunnerCluster adapter as the scaler uses it, with the scaler's own identity. */
export function scalerCluster(namespace = inject('controlPlane').namespace): KubernetesRunnerCluster {
  const api = coreApi('scaler');
  return new KubernetesRunnerCluster({ namespace, api: async () => api });
}

let nextJobId = Date.now() % 1_000_000_000;
export const uniqueJobId = () => nextJobId++;
