import type { ConfigurationOptions, CoreV1Api, V1Pod, V1Secret } from '@kubernetes/client-node';
// The library's small modules, not its index: the index loads all of it, which the scaler would pay
// at its start rather than on first use (see eksCoreApi.ts).
import { of } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
import { setHeaderOptions } from '@kubernetes/client-node/dist/middleware.js';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import { infrastructureKill } from '../pod/infrastructureKill.ts';
import { LABEL, managedPodSelector, REGISTRATION_GATE } from '../pod/labels.ts';
import type { PodManifest, SecretManifest } from '../pod/podManifest.ts';
import { podProblem } from '../pod/podProblem.ts';
import { runnerSecretName } from '../pod/runnerNames.ts';
import type { AnnotationPatch, KilledRunner, PodRef, RunnerCluster, RunnerPod } from '../ports.ts';
import { isUidMismatch, kubernetesError, statusOf } from './kubernetesErrors.ts';
import { KubernetesKilledRunners } from './kubernetesKilledRunners.ts';
import { KubernetesPlaces } from './kubernetesPlaces.ts';

export interface KubernetesRunnerClusterOptions {
  /** The runner namespace. */
  namespace: string;
  /** Gives the API client to use; called per request so credentials can be refreshed. */
  api: () => Promise<CoreV1Api>;
  /** Abandon a request after this long. @default 10000 */
  requestTimeoutMs?: number;
}

/** RunnerCluster on a real Kubernetes API server, through @kubernetes/client-node. */
export class KubernetesRunnerCluster implements RunnerCluster {
  private readonly namespace: string;
  private readonly api: () => Promise<CoreV1Api>;
  private readonly requestOptions: ConfigurationOptions;
  private readonly patchOptions: ConfigurationOptions;
  private readonly killedRunners: KubernetesKilledRunners;
  private readonly places: KubernetesPlaces;

  constructor(options: KubernetesRunnerClusterOptions) {
    this.namespace = options.namespace;
    this.api = options.api;
    this.requestOptions = requestMiddleware(options.requestTimeoutMs ?? 10_000);
    this.patchOptions = setHeaderOptions('Content-Type', PatchStrategy.MergePatch, this.requestOptions);
    this.killedRunners = new KubernetesKilledRunners({ ...options, requestOptions: this.requestOptions });
    this.places = new KubernetesPlaces({
      ...options,
      requestOptions: this.requestOptions,
      listPods: (runnerClassName) => this.listManagedPods(runnerClassName),
    });
  }

  async createPod(pod: PodManifest): Promise<{ created: RunnerPod } | { exists: true }> {
    try {
      const created = await (await this.api()).createNamespacedPod(
        { namespace: this.namespace, body: pod },
        this.requestOptions,
      );
      return { created: toRunnerPod(created) };
    } catch (error) {
      if (statusOf(error) === 409) return { exists: true };
      throw kubernetesError(error, `create pod ${pod.metadata.name}`);
    }
  }

  async readPod(name: string): Promise<RunnerPod | undefined> {
    try {
      const pod = await (await this.api()).readNamespacedPod(
        { name, namespace: this.namespace },
        this.requestOptions,
      );
      return toRunnerPod(pod);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw kubernetesError(error, `read pod ${name}`);
    }
  }

  async listPods(): Promise<RunnerPod[]> {
    return (await this.listManagedPods()).map(toRunnerPod);
  }

  reservePlaces(runnerClassName: string, podNames: string[], maxRunners: number): Promise<Set<string>> {
    return this.places.reserve(runnerClassName, podNames, maxRunners);
  }

  private async listManagedPods(runnerClassName?: string): Promise<V1Pod[]> {
    try {
      const pods = await (await this.api()).listNamespacedPod(
        { namespace: this.namespace, labelSelector: managedPodSelector(runnerClassName) },
        this.requestOptions,
      );
      return pods.items;
    } catch (error) {
      throw kubernetesError(error, runnerClassName ? `list pods of class ${runnerClassName}` : 'list pods');
    }
  }

  async createSecret(secret: SecretManifest): Promise<void> {
    const api = await this.api();
    const { name } = secret.metadata;
    try {
      await api.createNamespacedSecret({ namespace: this.namespace, body: secret }, this.requestOptions);
    } catch (error) {
      if (statusOf(error) !== 409) throw kubernetesError(error, `create secret ${name}`);
      // A leftover of an earlier pod of the same name holds a used registration: replace it. The
      // garbage collector may remove it first, and then it is created after all.
      await api
        .replaceNamespacedSecret({ name, namespace: this.namespace, body: secret }, this.requestOptions)
        .catch((replaceError: unknown) =>
          statusOf(replaceError) === 404
            ? api.createNamespacedSecret({ namespace: this.namespace, body: secret }, this.requestOptions)
            : Promise.reject(replaceError),
        )
        .catch((retryError: unknown) => {
          throw kubernetesError(retryError, `replace secret ${name}`);
        });
    }
  }

  async readSecret(name: string) {
    try {
      const secret = await (await this.api()).readNamespacedSecret(
        { name, namespace: this.namespace },
        this.requestOptions,
      );
      return secretOwnerAndAnnotations(secret);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw kubernetesError(error, `read secret ${name}`);
    }
  }

  async releasePod(pod: PodRef, annotations: Record<string, string>): Promise<boolean> {
    // A merge patch replaces the whole list; the registration gate is the only one we set.
    const released = await this.patchPod(
      pod,
      { metadata: { annotations }, spec: { schedulingGates: [] } },
      'release',
    );
    return released !== undefined;
  }

  async annotatePod(pod: PodRef, annotations: AnnotationPatch): Promise<RunnerPod | undefined> {
    return this.patchPod(pod, { metadata: { annotations } }, 'annotate');
  }

  async deletePod(pod: PodRef, options: { unchangedSince?: string } = {}): Promise<boolean> {
    const preconditions = { uid: pod.uid, resourceVersion: options.unchangedSince };
    try {
      await (await this.api()).deleteNamespacedPod(
        { name: pod.name, namespace: this.namespace, body: { preconditions } },
        this.requestOptions,
      );
      return true;
    } catch (error) {
      // 409: the name now belongs to a newer pod, which is not ours to delete, or the pod changed.
      if (statusOf(error) === 404 || statusOf(error) === 409) return false;
      throw kubernetesError(error, `delete pod ${pod.name}`);
    }
  }

  async deleteRunnerSecret(pod: PodRef): Promise<void> {
    const name = runnerSecretName(pod.name);
    const api = await this.api();
    try {
      const secret = await api.readNamespacedSecret({ name, namespace: this.namespace }, this.requestOptions);
      const owner = secret.metadata?.ownerReferences?.find((reference) => reference.kind === 'Pod');
      if (owner && owner.uid !== pod.uid) return;
      await api.deleteNamespacedSecret(
        { name, namespace: this.namespace, body: { preconditions: { uid: secret.metadata?.uid } } },
        this.requestOptions,
      );
    } catch (error) {
      // 409: replaced by a newer pod's Secret since it was read.
      if (statusOf(error) === 404 || statusOf(error) === 409) return;
      throw kubernetesError(error, `delete secret ${name}`);
    }
  }

  rememberKilledRunner(runner: KilledRunner): Promise<void> {
    return this.killedRunners.remember(runner);
  }

  claimKilledRunner(runnerId: number): Promise<KilledRunner | undefined> {
    return this.killedRunners.claim(runnerId);
  }

  forgetKilledRunners(before: Date): Promise<number> {
    return this.killedRunners.forgetBefore(before);
  }

  /**
   * A merge patch that names the pod's UID: the API server refuses to change a UID (422, naming the
   * field), so a pod made anew under the same name is left as it is.
   */
  private async patchPod(pod: PodRef, body: { metadata: object; spec?: object }, what: string) {
    try {
      const patched = await (await this.api()).patchNamespacedPod(
        {
          name: pod.name,
          namespace: this.namespace,
          body: { ...body, metadata: { ...body.metadata, uid: pod.uid } },
        },
        this.patchOptions,
      );
      return toRunnerPod(patched);
    } catch (error) {
      if (statusOf(error) === 404 || isUidMismatch(error)) return undefined;
      throw kubernetesError(error, `${what} pod ${pod.name}`);
    }
  }
}

export function toRunnerPod(pod: V1Pod): RunnerPod {
  return {
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    runnerClass: pod.metadata?.labels?.[LABEL.runnerClass] ?? '',
    phase: pod.status?.phase ?? 'Pending',
    problem: podProblem(pod),
    killedBy: infrastructureKill(pod),
    createdAt: new Date(pod.metadata?.creationTimestamp ?? 0),
    gated: (pod.spec?.schedulingGates ?? []).some((gate) => gate.name === REGISTRATION_GATE),
    deleting: Boolean(pod.metadata?.deletionTimestamp),
    annotations: pod.metadata?.annotations ?? {},
    resourceVersion: pod.metadata?.resourceVersion ?? '',
  };
}

export function secretOwnerAndAnnotations(secret: V1Secret) {
  const owner = secret.metadata?.ownerReferences?.find((reference) => reference.kind === 'Pod');
  return { ownerUid: owner?.uid, annotations: secret.metadata?.annotations ?? {} };
}

/** Middleware for every request: a timeout. (Connections are kept by the KubeConfig: keepAliveKubeConfig.ts.) */
function requestMiddleware(timeoutMs: number): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (request) => {
          request.setSignal(AbortSignal.timeout(timeoutMs));
          return of(request);
        },
        post: (response) => of(response),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}
