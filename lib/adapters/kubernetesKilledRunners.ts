import type { ConfigurationOptions, CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import * as z from 'zod/mini';
import { LABEL, MANAGED_BY } from '../pod/labels.ts';
import type { KilledRunner } from '../ports.ts';
import { INFRASTRUCTURE_KILL_REASONS } from '../telemetry/metricCatalog.ts';
import { kubernetesError, statusOf } from './kubernetesErrors.ts';

const NAME_PREFIX = 'eks-runner-autoscaler-killed-runner-';
const RECORD_LABEL = 'eks-runner-autoscaler.io/record';
const SELECTOR = `${LABEL.managedBy}=${MANAGED_BY},${RECORD_LABEL}=killed-runner`;

const killedRunnerSchema = z.object({
  runnerId: z.int(),
  podName: z.string(),
  runnerClass: z.string(),
  killedBy: z.enum(INFRASTRUCTURE_KILL_REASONS),
  keptAt: z.string(),
});

/**
 * Killed runners kept in the runner namespace, one ConfigMap per runner ID: created once (a second
 * create finds it there), and claimed by deleting it with its UID as precondition, so of two
 * `completed` deliveries at once only the one whose delete succeeds gets it.
 */
export class KubernetesKilledRunners {
  private readonly options: {
    namespace: string;
    api: () => Promise<CoreV1Api>;
    requestOptions: ConfigurationOptions;
  };

  constructor(options: KubernetesKilledRunners['options']) {
    this.options = options;
  }

  async remember(runner: KilledRunner): Promise<void> {
    const { namespace, requestOptions } = this.options;
    const body: V1ConfigMap = {
      metadata: {
        name: nameOf(runner.runnerId),
        labels: { [LABEL.managedBy]: MANAGED_BY, [RECORD_LABEL]: 'killed-runner' },
      },
      data: { runner: JSON.stringify(runner) },
    };
    try {
      await (await this.options.api()).createNamespacedConfigMap({ namespace, body }, requestOptions);
    } catch (error) {
      if (statusOf(error) !== 409) throw kubernetesError(error, `remember killed runner ${runner.runnerId}`);
    }
  }

  async claim(runnerId: number): Promise<KilledRunner | undefined> {
    const { namespace, requestOptions } = this.options;
    const name = nameOf(runnerId);
    const api = await this.options.api();
    try {
      const record = await api.readNamespacedConfigMap({ name, namespace }, requestOptions);
      await this.delete(api, record);
      return recordOf(record);
    } catch (error) {
      // 409: another caller claimed it between the read and the delete.
      if (statusOf(error) === 404 || statusOf(error) === 409) return undefined;
      throw kubernetesError(error, `claim killed runner ${runnerId}`);
    }
  }

  async forgetBefore(before: Date): Promise<number> {
    const { namespace, requestOptions } = this.options;
    const api = await this.options.api();
    const listed = await api
      .listNamespacedConfigMap({ namespace, labelSelector: SELECTOR }, requestOptions)
      .catch((error: unknown) => {
        throw kubernetesError(error, 'list killed runners');
      });
    let forgotten = 0;
    for (const record of listed.items) {
      // One that cannot be read is forgotten too.
      if (Date.parse(recordOf(record)?.keptAt ?? '') >= before.getTime()) continue;
      try {
        await this.delete(api, record);
        forgotten += 1;
      } catch (error) {
        if (statusOf(error) !== 404 && statusOf(error) !== 409)
          throw kubernetesError(error, `forget ${record.metadata?.name}`);
      }
    }
    return forgotten;
  }

  private async delete(api: CoreV1Api, record: V1ConfigMap) {
    const { namespace, requestOptions } = this.options;
    await api.deleteNamespacedConfigMap(
      {
        name: record.metadata?.name ?? '',
        namespace,
        body: { preconditions: { uid: record.metadata?.uid } },
      },
      requestOptions,
    );
  }
}

function recordOf(configMap: V1ConfigMap): KilledRunner | undefined {
  try {
    const parsed = killedRunnerSchema.safeParse(JSON.parse(configMap.data?.runner ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function nameOf(runnerId: number): string {
  return `${NAME_PREFIX}${runnerId}`;
}
