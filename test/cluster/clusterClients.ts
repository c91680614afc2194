import { inject } from 'vitest';
import { KubernetesApplier } from '../../lib/adapters/kubernetesApplier.ts';
import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '../../lib/adapters/kubernetesLibrary.ts';
import { KubernetesRunnerCluster } from '../../lib/adapters/kubernetesRunnerCluster.ts';
import {
  type CustomResourceEvent,
  type CustomResourceResponse,
  handlePrerequisitesEvent,
} from '../../lib/cluster/prerequisitesResource.ts';
import type { WaitClock } from '../../lib/cluster/untilAccessTakesEffect.ts';
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

/**
 * A clock for the wait for access to take effect on which each wait asked for passes at once, after
 * `onWait` (given the number of the wait, from 1) has run: the real API server is asked again at once.
 */
export function waitsPassAtOnce(onWait: (wait: number) => Promise<void> = async () => {}): WaitClock {
  let now = 0;
  let waits = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      waits += 1;
      await onWait(waits);
      now += ms;
    },
  };
}

/** The cluster prerequisites custom resource's handling of the event, as the identity. */
export function handlePrerequisitesAs(
  identity: Identity,
  event: CustomResourceEvent,
  clock = waitsPassAtOnce(),
): Promise<CustomResourceResponse> {
  return handlePrerequisitesEvent(event, {
    applier: applierAs(identity),
    log: captureLog(),
    deadline: AbortSignal.timeout(50_000),
    clock,
  });
}

let nextJobId = Date.now() % 1_000_000_000;
export const uniqueJobId = () => nextJobId++;
