import type { ConfigurationOptions, CoreV1Api, V1ConfigMap, V1Pod } from '@kubernetes/client-node';
import { AutoscalerError } from '../errors.ts';
import { LABEL, MANAGED_BY } from '../pod/labels.ts';
import { allocatePlaces, CENSUS_EVERY_MS, type PodCensus } from '../scaler/allocatePlaces.ts';
import { kubernetesError, statusOf } from './kubernetesErrors.ts';
import { LeasedPlaces } from './leasedPlaces.ts';

/** Each class's places are kept in a ConfigMap of this name plus the class name. */
const RESERVATIONS_PREFIX = 'eks-runner-autoscaler-places-';
/** When the class's pods were last counted (ms since epoch); without it the places are not trusted alone. */
const CENSUS_AT = 'eks-runner-autoscaler.io/places-census-at';
const MAX_RESERVATION_ATTEMPTS = 20;

/** The places of each runner class (see allocatePlaces), in the runner namespace. */
export class KubernetesPlaces {
  private readonly options: {
    namespace: string;
    api: () => Promise<CoreV1Api>;
    requestOptions: ConfigurationOptions;
    listPods: (runnerClassName: string) => Promise<V1Pod[]>;
  };
  private readonly leases = new LeasedPlaces();

  constructor(options: KubernetesPlaces['options']) {
    this.options = options;
  }

  /**
   * The places live in one ConfigMap per class, written with a resourceVersion precondition: of two
   * scalers reserving at once, one write wins and the other reads again and tries again. The pods
   * are listed only for a census (see allocatePlaces): when the class looks full, at least every
   * CENSUS_EVERY_MS, and when the ConfigMap carries no census time, which an older scaler's write
   * leaves out, so the places it did not keep are counted again.
   */
  async reserve(runnerClassName: string, podNames: string[], maxRunners: number): Promise<Set<string>> {
    const fromLease = this.leases.take(runnerClassName, podNames.length, maxRunners);
    const granted = new Set(podNames.slice(0, fromLease));
    const rest = podNames.slice(fromLease);
    if (rest.length === 0) return granted;
    for (const pod of await this.reserveInLedger(runnerClassName, rest, maxRunners)) granted.add(pod);
    return granted;
  }

  private async reserveInLedger(runnerClassName: string, podNames: string[], maxRunners: number) {
    const name = `${RESERVATIONS_PREFIX}${runnerClassName}`;
    for (let attempt = 0; attempt < MAX_RESERVATION_ATTEMPTS; attempt++) {
      const api = await this.options.api();
      const ledger = await this.readPlaces(name);
      const now = Date.now();
      const censusDue = ledger.censusAt === undefined || now - ledger.censusAt >= CENSUS_EVERY_MS;
      const leases = this.leases.names();
      const request = { places: ledger.places, requested: podNames, maxRunners, now, leases };
      let census = censusDue ? await this.census(runnerClassName) : undefined;
      let allocation = allocatePlaces({ ...request, census });
      if (allocation.full && !census) {
        census = await this.census(runnerClassName);
        allocation = allocatePlaces({ ...request, census });
      }
      const body: V1ConfigMap = {
        metadata: {
          name,
          labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.runnerClass]: runnerClassName },
          annotations: { [CENSUS_AT]: String(census?.takenAt ?? ledger.censusAt) },
          ...(ledger.resourceVersion && { resourceVersion: ledger.resourceVersion }),
        },
        data: Object.fromEntries(Object.entries(allocation.places).map(([pod, at]) => [pod, String(at)])),
      };
      try {
        await (ledger.resourceVersion
          ? api.replaceNamespacedConfigMap(
              { name, namespace: this.options.namespace, body },
              this.options.requestOptions,
            )
          : api.createNamespacedConfigMap(
              { namespace: this.options.namespace, body },
              this.options.requestOptions,
            ));
        this.leases.hold(runnerClassName, { count: allocation.leased.length, grantedAt: now, maxRunners });
        return allocation.granted;
      } catch (error) {
        if (statusOf(error) !== 409)
          throw kubernetesError(error, `reserve places in class ${runnerClassName}`);
        // Another scaler wrote first: spread the retries so they do not collide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
      }
    }
    throw new AutoscalerError(`Kubernetes: places in class ${runnerClassName} are contended; try again`, {
      kind: 'kubernetes',
      retryable: true,
    });
  }

  /** The class's pods, listed after its places were read (allocatePlaces relies on that order). */
  private async census(runnerClassName: string): Promise<PodCensus> {
    const takenAt = Date.now();
    const pods = await this.options.listPods(runnerClassName);
    return {
      takenAt,
      pods: pods.map((pod) => ({
        name: pod.metadata?.name ?? '',
        live: isLive(pod),
        createdAt: new Date(pod.metadata?.creationTimestamp ?? 0).getTime(),
      })),
    };
  }

  private async readPlaces(
    name: string,
  ): Promise<{ places: Record<string, number>; censusAt?: number; resourceVersion?: string }> {
    try {
      const ledger = await (await this.options.api()).readNamespacedConfigMap(
        { name, namespace: this.options.namespace },
        this.options.requestOptions,
      );
      const places = Object.fromEntries(
        Object.entries(ledger.data ?? {}).map(([pod, at]) => [pod, Number(at)]),
      );
      const censusAt = ledger.metadata?.annotations?.[CENSUS_AT];
      return {
        places,
        censusAt: censusAt === undefined ? undefined : Number(censusAt),
        resourceVersion: ledger.metadata?.resourceVersion,
      };
    } catch (error) {
      if (statusOf(error) === 404) return { places: {} };
      throw kubernetesError(error, `read places ${name}`);
    }
  }
}

function isLive(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}
