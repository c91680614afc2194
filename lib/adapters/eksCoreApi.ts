import type { AwsCredentialIdentity, Provider } from '@aws-sdk/types';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { AutoscalerError } from '../errors.ts';
import type { EksCluster } from './eksDescribeCluster.ts';
import { createEksToken } from './eksToken.ts';

/** Renew the token this long before EKS stops accepting it (tokens last 15 minutes). */
const TOKEN_RENEWAL_MARGIN_MS = 3 * 60 * 1000;

/** @kubernetes/client-node, loaded on first use. */
export type KubernetesLibrary = typeof import('./kubernetesLibrary.ts');

export interface EksAccess {
  clusterName: string;
  region: string;
  /** EKS's DescribeCluster (eksDescribeCluster in a function). */
  describeCluster: (clusterName: string) => Promise<EksCluster>;
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  now?: () => Date;
}

/** Hands out a CoreV1Api for an EKS cluster (see eksApi). */
export function eksCoreApi(options: EksAccess): () => Promise<CoreV1Api> {
  return eksApi(options, (kubeConfig, { CoreV1Api }) => kubeConfig.makeApiClient(CoreV1Api));
}

/**
 * Hands out an API client for an EKS cluster, made by `make`. The endpoint and CA come from one
 * DescribeCluster call; the token is renewed after 12 minutes, when the client is rebuilt with it.
 * client-node is loaded on the first call, while DescribeCluster is on the wire: loaded at the
 * function's start it was most of a cold start.
 */
export function eksApi<Api>(
  options: EksAccess,
  make: (kubeConfig: KubeConfig, kubernetes: KubernetesLibrary) => Api,
): () => Promise<Api> {
  const now = options.now ?? (() => new Date());
  let endpoint: Promise<{ server: string; caData: string }> | undefined;
  let current: { api: Api; renewAt: number } | undefined;

  const describe = async () => {
    const cluster = await options.describeCluster(options.clusterName);
    if (!cluster.endpoint || !cluster.certificateAuthority?.data) {
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
    const [{ server, caData }, kubernetes] = await Promise.all([endpoint, import('./kubernetesLibrary.ts')]);
    const { token, expiresAt } = await createEksToken({
      clusterName: options.clusterName,
      region: options.region,
      credentials: options.credentials,
      signingDate: now(),
    });
    const kubeConfig = new kubernetes.KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: options.clusterName, server, caData, skipTLSVerify: false }],
      users: [{ name: 'scaler', token }],
      contexts: [{ name: 'eks', cluster: options.clusterName, user: 'scaler' }],
      currentContext: 'eks',
    });
    current = {
      api: make(kubeConfig, kubernetes),
      renewAt: expiresAt.getTime() - TOKEN_RENEWAL_MARGIN_MS,
    };
    return current.api;
  };
}
