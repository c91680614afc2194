import type { KubernetesObjectApi } from '@kubernetes/client-node';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import type { ApiObject } from '../cluster/clusterManifests.ts';
import { ClusterUnreachableError, type UnreachableBecause } from '../cluster/clusterUnreachable.ts';
import { describeObject, type ObjectApplier } from '../cluster/prerequisitesResource.ts';
import { AwsApiError } from './awsApi.ts';
import { kubernetesError, statusOf } from './kubernetesErrors.ts';

/** The field manager our server-side applies are recorded under. */
export const FIELD_MANAGER = 'eks-runner-autoscaler';

/**
 * Applies objects the way `kubectl apply --server-side` does: the API server merges what we own and
 * leaves other managers' fields alone, and applying the same object again changes nothing. When the
 * cluster cannot be asked at all, it rejects with ClusterUnreachableError.
 */
export class KubernetesApplier implements ObjectApplier {
  private readonly api: () => Promise<KubernetesObjectApi>;

  constructor(api: () => Promise<KubernetesObjectApi>) {
    this.api = api;
  }

  async apply(object: ApiObject): Promise<void> {
    try {
      const api = await this.api();
      await api.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw failure(error, `apply ${describeObject(object)}`);
    }
  }

  async remove(object: ApiObject): Promise<void> {
    try {
      const api = await this.api();
      await api.delete(object);
    } catch (error) {
      if (statusOf(error) !== 404) throw failure(error, `delete ${describeObject(object)}`);
    }
  }
}

function failure(error: unknown, action: string): Error {
  const failed = kubernetesError(error, action);
  const because = unreachableBecause(error);
  return because ? new ClusterUnreachableError(because, failed.message, { cause: error }) : failed;
}

/**
 * Why the error says the cluster cannot be asked at all, if it does: DescribeCluster found no such
 * cluster, nothing answered at the endpoint (a Node system error such as ECONNREFUSED or ENOTFOUND,
 * somewhere under the client's own error), or the API server does not know (401) or allow (403) us.
 */
function unreachableBecause(error: unknown): UnreachableBecause | undefined {
  if (error instanceof AwsApiError && error.code === 'ResourceNotFoundException') return 'cluster-gone';
  const status = statusOf(error);
  if (status === 401) return 'identity-unknown';
  if (status === 403) return 'forbidden';
  if (status !== undefined) return undefined;
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (typeof (cause as { code?: unknown }).code === 'string') return 'no-answer';
  }
  return undefined;
}
