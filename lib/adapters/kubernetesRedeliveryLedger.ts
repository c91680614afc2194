import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import { LABEL, MANAGED_BY } from '../pod/labels.ts';
import type { Redeliveries, RedeliveryLedger } from '../ports.ts';
import { kubernetesError, statusOf } from './kubernetesErrors.ts';

const NAME = 'eks-runner-autoscaler-redeliveries';

/**
 * The redelivery ledger in a ConfigMap of the runner namespace, so it outlives a Lambda instance.
 * The last writer wins: two reconcilers at once can at worst ask for one event twice, which is safe.
 */
export class KubernetesRedeliveryLedger implements RedeliveryLedger {
  private readonly options: { namespace: string; api: () => Promise<CoreV1Api> };

  constructor(options: { namespace: string; api: () => Promise<CoreV1Api> }) {
    this.options = options;
  }

  async recall(): Promise<Redeliveries> {
    try {
      const map = await (await this.options.api()).readNamespacedConfigMap({
        name: NAME,
        namespace: this.options.namespace,
      });
      return new Map(Object.entries(JSON.parse(map.data?.ledger ?? '{}')));
    } catch (error) {
      if (statusOf(error) === 404) return new Map();
      throw kubernetesError(error, `read ${NAME}`);
    }
  }

  async remember(redeliveries: Redeliveries): Promise<void> {
    const api = await this.options.api();
    const body: V1ConfigMap = {
      metadata: { name: NAME, labels: { [LABEL.managedBy]: MANAGED_BY } },
      data: { ledger: JSON.stringify(Object.fromEntries(redeliveries)) },
    };
    const { namespace } = this.options;
    try {
      await api.replaceNamespacedConfigMap({ name: NAME, namespace, body });
    } catch (error) {
      if (statusOf(error) !== 404) throw kubernetesError(error, `write ${NAME}`);
      await api.createNamespacedConfigMap({ namespace, body }).catch((createError: unknown) => {
        throw kubernetesError(createError, `create ${NAME}`);
      });
    }
  }
}
