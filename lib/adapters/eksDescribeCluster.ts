import { awsApi } from './awsApi.ts';

/** What DescribeCluster says of a cluster that its API server's address needs. */
export interface EksCluster {
  endpoint?: string;
  certificateAuthority?: { data?: string };
  status?: string;
}

/**
 * EKS's DescribeCluster (`GET /clusters/{name}`) with the function's own role, through awsApi
 * rather than @aws-sdk/client-eks: the SDK client was a fifth of the scaler's bundle and a good part
 * of its start, for one call per cold start.
 */
export function eksDescribeCluster(
  options: { environment?: NodeJS.ProcessEnv } = {},
): (clusterName: string) => Promise<EksCluster> {
  const call = awsApi({ service: 'eks', ...options });
  return async (clusterName) => {
    const { cluster } = await call<{ cluster?: EksCluster }>({
      operation: 'DescribeCluster',
      method: 'GET',
      path: `/clusters/${encodeURIComponent(clusterName)}`,
    });
    return cluster ?? {};
  };
}
