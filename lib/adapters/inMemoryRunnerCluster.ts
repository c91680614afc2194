import type { V1Pod, V1Secret } from '@kubernetes/client-node';
import { LABEL } from '../pod/labels.ts';
import type { PodManifest, SecretManifest } from '../pod/podManifest.ts';
import { runnerSecretName } from '../pod/runnerNames.ts';
import { hasFinished } from '../pod/runnerPodPhase.ts';
import type { AnnotationPatch, KilledRunner, PodRef, RunnerCluster, RunnerPod } from '../ports.ts';
import { allocatePlaces } from '../scaler/allocatePlaces.ts';
import type { InfrastructureKillReason, PodProblem } from '../telemetry/metricCatalog.ts';
import { secretOwnerAndAnnotations, toRunnerPod } from './kubernetesRunnerCluster.ts';

export type ClusterAction =
  | { action: 'create-pod'; pod: string; runnerClass: string; jobId: string }
  | { action: 'delete-pod'; pod: string };

/**
 * A RunnerCluster held in memory: what `--dry-run` acts on, reporting each pod it would create or
 * delete. It checks nothing a real API server checks; the tests of record run on a real one.
 */
export class InMemoryRunnerCluster implements RunnerCluster {
  readonly pods = new Map<string, { pod: V1Pod; runnerPod: RunnerPod }>();
  readonly secrets = new Map<string, V1Secret>();
  readonly killedRunners = new Map<number, KilledRunner>();
  private readonly reservations = new Map<string, Record<string, number>>();
  private readonly report: (action: ClusterAction) => void;
  private readonly now: () => Date;
  private nextUid = 1;
  private nextResourceVersion = 1;

  constructor(options: { report?: (action: ClusterAction) => void; now?: () => Date } = {}) {
    this.report = options.report ?? (() => {});
    this.now = options.now ?? (() => new Date());
  }

  async createPod(pod: PodManifest): Promise<{ created: RunnerPod } | { exists: true }> {
    const { name } = pod.metadata;
    if (this.pods.has(name)) return { exists: true };
    const stored: V1Pod = {
      ...pod,
      metadata: {
        ...pod.metadata,
        uid: `uid-${this.nextUid++}`,
        creationTimestamp: this.now(),
        resourceVersion: String(this.nextResourceVersion++),
      },
      status: { phase: 'Pending' },
    };
    const runnerPod = toRunnerPod(stored);
    this.pods.set(name, { pod: stored, runnerPod });
    const labels = pod.metadata.labels ?? {};
    this.report({
      action: 'create-pod',
      pod: name,
      runnerClass: labels[LABEL.runnerClass] ?? '',
      jobId: labels[LABEL.jobId] ?? '',
    });
    return { created: runnerPod };
  }

  async readPod(name: string): Promise<RunnerPod | undefined> {
    const entry = this.pods.get(name);
    return entry && copyOf(entry.runnerPod);
  }

  async listPods(): Promise<RunnerPod[]> {
    return [...this.pods.values()].map(({ runnerPod }) => copyOf(runnerPod));
  }

  async reservePlaces(runnerClassName: string, podNames: string[], maxRunners: number): Promise<Set<string>> {
    const pods = [...this.pods.values()]
      .filter(({ pod }) => pod.metadata?.labels?.[LABEL.runnerClass] === runnerClassName)
      .map(({ runnerPod }) => runnerPod);
    const now = this.now().getTime();
    // It sees every pod at once, so each reservation comes with a census.
    const census = {
      takenAt: now,
      pods: pods.map((pod) => ({
        name: pod.name,
        live: !hasFinished(pod),
        createdAt: pod.createdAt.getTime(),
      })),
    };
    const allocation = allocatePlaces({
      places: this.reservations.get(runnerClassName) ?? {},
      requested: podNames,
      maxRunners,
      now,
      census,
    });
    this.reservations.set(runnerClassName, allocation.places);
    return allocation.granted;
  }

  async createSecret(secret: SecretManifest): Promise<void> {
    this.secrets.set(secret.metadata.name, secret);
  }

  async readSecret(name: string) {
    const secret = this.secrets.get(name);
    return secret && secretOwnerAndAnnotations(secret);
  }

  async releasePod(pod: PodRef, annotations: Record<string, string>): Promise<boolean> {
    const entry = this.entryOf(pod);
    if (!entry) return false;
    entry.runnerPod.gated = false;
    Object.assign(entry.runnerPod.annotations, annotations);
    this.changed(entry.runnerPod);
    return true;
  }

  async annotatePod(pod: PodRef, annotations: AnnotationPatch): Promise<RunnerPod | undefined> {
    const entry = this.entryOf(pod);
    if (!entry) return undefined;
    for (const [key, value] of Object.entries(annotations)) {
      if (value === null) delete entry.runnerPod.annotations[key];
      else entry.runnerPod.annotations[key] = value;
    }
    this.changed(entry.runnerPod);
    return copyOf(entry.runnerPod);
  }

  async deletePod(pod: PodRef, options: { unchangedSince?: string } = {}): Promise<boolean> {
    const entry = this.entryOf(pod);
    if (!entry) return false;
    if (options.unchangedSince !== undefined && options.unchangedSince !== entry.runnerPod.resourceVersion)
      return false;
    this.pods.delete(pod.name);
    this.report({ action: 'delete-pod', pod: pod.name });
    return true;
  }

  async deleteRunnerSecret(pod: PodRef): Promise<void> {
    const name = runnerSecretName(pod.name);
    const owner = this.secrets.get(name)?.metadata?.ownerReferences?.[0];
    if (!owner || owner.uid === pod.uid) this.secrets.delete(name);
  }

  async rememberKilledRunner(runner: KilledRunner): Promise<void> {
    if (!this.killedRunners.has(runner.runnerId)) this.killedRunners.set(runner.runnerId, runner);
  }

  async claimKilledRunner(runnerId: number): Promise<KilledRunner | undefined> {
    const runner = this.killedRunners.get(runnerId);
    this.killedRunners.delete(runnerId);
    return runner;
  }

  async forgetKilledRunners(before: Date): Promise<number> {
    const old = [...this.killedRunners.values()].filter(
      ({ keptAt }) => Date.parse(keptAt) < before.getTime(),
    );
    for (const { runnerId } of old) this.killedRunners.delete(runnerId);
    return old.length;
  }

  /** The pod, if it is still the one the reference names. */
  private entryOf(pod: PodRef) {
    const entry = this.pods.get(pod.name);
    return entry?.runnerPod.uid === pod.uid ? entry : undefined;
  }

  /** Sets a pod's phase, why it failed or cannot start, and what killed it, as the kubelet would. */
  setPhase(name: string, phase: string, problem?: PodProblem, killedBy?: InfrastructureKillReason): void {
    const entry = this.pods.get(name);
    if (!entry) return;
    entry.runnerPod.phase = phase;
    entry.runnerPod.problem = problem;
    entry.runnerPod.killedBy = killedBy;
    this.changed(entry.runnerPod);
  }

  private changed(pod: RunnerPod): void {
    pod.resourceVersion = String(this.nextResourceVersion++);
  }
}

function copyOf(pod: RunnerPod): RunnerPod {
  return { ...pod, annotations: { ...pod.annotations } };
}
