import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import type { AwsCredentialIdentity, Provider } from '@aws-sdk/types';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { AutoscalerError } from '../errors.ts';
import { createEksToken } from './eksToken.ts';

/** Renew the token this long before EKS stops accepting it (tokens last 15 minutes). */
const TOKEN_RENEWAL_MARGIN_MS = 3 * 60 * 1000;

export interface EksAccess {
  clusterName: string;
  region: string;
  eks: EKSClient;
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  now?: () => Date;
}

/** Hands out a CoreV1Api for an EKS cluster (see eksApi). */
export function eksCoreApi(options: EksAccess): () => Promise<CoreV1Api> {
  return eksApi(options, (kubeConfig) => kubeConfig.makeApiClient(CoreV1Api));
}

/**
 * Hands out an API client for an EKS cluster, made by `make`. The endpoint and CA come from one
 * DescribeCluster call; the token is renewed after 12 minutes, when the client is rebuilt with it.
 */
export function eksApi<Api>(options: EksAccess, make: (kubeConfig: KubeConfig) => Api): () => Promise<Api> {
  const now = options.now ?? (() => new Date());
  let endpoint: Promise<{ server: string; caData: string }> | undefined;
  let current: { api: Api; renewAt: number } | undefined;

  const describe = async () => {
    const { cluster } = await options.eks.send(new DescribeClusterCommand({ name: options.clusterName }));
    if (!cluster?.endpoint || !cluster.certificateAuthority?.data) {
      throw new AutoscalerError(`EKS cluster ${options.clusterName} has no endpoint or CA yet`, {
        kind: 'aws',
        retryable: true,
      });
    }
    return { server: cluster.endpoint, caData: cluster.certificateAuthority.data };
  };

  return async () => {
    if (current && now().getTime() < current.renewAt) return current.api;
    endpoint ??= describe().catch((error: unknown) => {
      endpoint = undefined;
      throw error;
    });
    const { server, caData } = await endpoint;
    const { token, expiresAt } = await createEksToken({
      clusterName: options.clusterName,
      region: options.region,
      credentials: options.credentials,
      signingDate: now(),
    });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: options.clusterName, server, caData, skipTLSVerify: false }],
      users: [{ name: 'scaler', token }],
      contexts: [{ name: 'eks', cluster: options.clusterName, user: 'scaler' }],
      currentContext: 'eks',
    });
    current = {
      api: make(kubeConfig),
      renewAt: expiresAt.getTime() - TOKEN_RENEWAL_MARGIN_MS,
    };
    return current.api;
  };
}
