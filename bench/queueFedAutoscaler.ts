import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { KubernetesRunnerCluster } from '../lib/adapters/kubernetesRunnerCluster.ts';
import type { AutoscalerConfig } from '../lib/config/autoscalerConfig.ts';
import type { RunnerRegistry } from '../lib/ports.ts';
import { startLocalAutoscaler } from '../local/startLocalAutoscaler.ts';
import type { ControlPlaneAccess } from '../test/cluster/controlPlane.ts';

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The local mode's pipeline on the control plane, with the scaler's identity, fed job messages on its
 * queue directly (the webhook is measured apart): its queue keeps SQS's delays, so a job pushed back
 * comes again after its wait. No reconciler runs on its own; the status page is never sampled.
 */
export async function startQueueFedAutoscaler(
  controlPlane: ControlPlaneAccess,
  config: AutoscalerConfig,
  registry: RunnerRegistry,
) {
  const scalerConfig = new KubeConfig();
  scalerConfig.loadFromFile(controlPlane.scalerKubeconfig);
  const api = scalerConfig.makeApiClient(CoreV1Api);
  const cluster = new KubernetesRunnerCluster({ namespace: controlPlane.namespace, api: async () => api });
  const local = await startLocalAutoscaler({
    config,
    webhookSecrets: { current: 'unused: jobs go on the queue' },
    cluster,
    registry,
    log: silentLog,
    port: 0,
    statusIntervalMs: 3_600_000,
    reconcileIntervalMs: 0,
  });
  return { ...local, cluster, log: silentLog };
}
