import { EKSClient } from '@aws-sdk/client-eks';
import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { eksCoreApi } from './eksCoreApi.ts';
import { KubernetesRunnerCluster } from './kubernetesRunnerCluster.ts';

/** The runner namespace of the configured EKS cluster, as the functions reach it with their own role. */
export function eksRunnerCluster(
  config: Pick<AutoscalerConfig, 'cluster'>,
  region: string,
): KubernetesRunnerCluster {
  const eks = new EKSClient({ region });
  return new KubernetesRunnerCluster({
    namespace: config.cluster.namespace,
    api: eksCoreApi({ clusterName: config.cluster.name, region, eks, credentials: eks.config.credentials }),
  });
}
