import type { CoreV1Api } from '@kubernetes/client-node';
import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { environmentCredentials } from './awsApi.ts';
import { eksCoreApi } from './eksCoreApi.ts';
import { eksDescribeCluster } from './eksDescribeCluster.ts';
import { KubernetesRunnerCluster } from './kubernetesRunnerCluster.ts';

/** The configured EKS cluster's API, as the functions reach it with their own role. */
export function eksClusterApi(
  config: Pick<AutoscalerConfig, 'cluster'>,
  region: string,
): () => Promise<CoreV1Api> {
  const clusterName = config.cluster.name;
  // The construct always writes the name into the functions' config, from the config or its `cluster` prop.
  if (!clusterName) throw new Error('the configuration names no cluster (cluster.name)');
  return eksCoreApi({
    clusterName,
    region,
    describeCluster: eksDescribeCluster(),
    credentials: environmentCredentials(),
  });
}

/** The runner namespace of the configured EKS cluster. */
export function eksRunnerCluster(
  config: Pick<AutoscalerConfig, 'cluster'>,
  region: string,
): KubernetesRunnerCluster {
  return new KubernetesRunnerCluster({
    namespace: config.cluster.namespace,
    api: eksClusterApi(config, region),
  });
}
