import { type KubernetesObject, type KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { kubernetesError, statusOf } from './kubernetesErrors.ts';

/** The field manager our server-side applies are recorded under. */
export const FIELD_MANAGER = 'eks-runner-autoscaler';

/**
 * Applies objects the way `kubectl apply --server-side` does: the API server merges what we own and
 * leaves other managers' fields alone, and applying the same objects again changes nothing.
 */
export class KubernetesApplier {
  private readonly api: () => Promise<KubernetesObjectApi>;

  constructor(api: () => Promise<KubernetesObjectApi>) {
    this.api = api;
  }

  /** Applies the objects in order (a namespace before what lives in it). */
  async apply(objects: readonly KubernetesObject[]): Promise<void> {
    const api = await this.api();
    for (const object of objects) {
      try {
        await api.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      } catch (error) {
        throw kubernetesError(error, `apply ${describe(object)}`);
      }
    }
  }

  /** Deletes the objects in reverse order; one already gone counts as deleted. */
  async remove(objects: readonly KubernetesObject[]): Promise<void> {
    const api = await this.api();
    for (const object of [...objects].reverse()) {
      try {
        await api.delete(object);
      } catch (error) {
        if (statusOf(error) !== 404) throw kubernetesError(error, `delete ${describe(object)}`);
      }
    }
  }
}

function describe(object: KubernetesObject): string {
  const namespace = object.metadata?.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${namespace}${object.metadata?.name}`;
}
