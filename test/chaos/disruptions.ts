import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { DO_NOT_DISRUPT } from '../../lib/pod/disruption.ts';
import type { KillReason, SimulatedJob } from './simulatedJob.ts';

export interface DisruptionOptions {
  /** The admin's API: Karpenter and the kubelet are not the scaler. */
  api: CoreV1Api;
  namespace: string;
  /** How often consolidation empties a node of the runner pods it may evict. */
  consolidateEveryMs: number;
  random: () => number;
}

/** How long Karpenter validates a consolidation before it acts (its consolidation TTL). */
const VALIDATION_MS = 15_000;

/** The ways a kubelet or the control plane reports a pod it ended, one picked per kill. */
const KILLS: { reason: KillReason; status: (now: string) => Record<string, unknown> }[] = [
  { reason: 'DeletionByTaintManager', status: (now) => disruptionTarget('DeletionByTaintManager', now) },
  { reason: 'EvictionByEvictionAPI', status: (now) => disruptionTarget('EvictionByEvictionAPI', now) },
  { reason: 'TerminationByKubelet', status: (now) => disruptionTarget('TerminationByKubelet', now) },
  {
    reason: 'Evicted',
    status: () => ({ reason: 'Evicted', message: 'The node was low on resource: memory.' }),
  },
];

/**
 * What the cluster does to runner pods besides running them. Consolidation, as Karpenter does it:
 * every few seconds it picks a node with a runner pod it may disrupt, validates the choice for
 * VALIDATION_MS as Karpenter does, and then evicts (Eviction API) each runner pod on it that is not
 * annotated `karpenter.sh/do-not-disrupt: "true"` by then, never a protected one. (Karpenter itself
 * leaves a node with any such pod alone; emptying the rest of the node is harsher.) Infrastructure kills: a
 * runner running a job is ended as a lost node, a drain or a node shutdown would end it, reported in
 * the pod's status as the kubelet or the control plane reports it.
 */
export class Disruptions {
  readonly counts = {
    /** Running runner pods seen open to disruption, and consolidations of a node with one. */
    openedSeen: 0,
    consolidations: 0,
    evicted: 0,
    evictedIdle: 0,
    /** Runner pods evicted while they ran a job: protection must make this zero. */
    disruptedBusy: 0,
    /** Evictions refused because the pod changed since consolidation looked (protected again, say). */
    evictionConflicts: 0,
    protectedLeft: 0,
    killed: 0,
    /** Kills whose status patch failed (the pod was gone, or the API refused). */
    killsMissed: 0,
    killedBy: {} as Partial<Record<KillReason, number>>,
  };
  private readonly options: DisruptionOptions;
  private lastConsolidation = Date.now();
  /** The node consolidation chose, and when: it acts once the choice has been validated. */
  private decided: { node: string; at: number } | undefined;
  private readonly openSeen = new Set<string>();

  constructor(options: DisruptionOptions) {
    this.options = options;
  }

  /**
   * When it is time, evicts the unprotected runner pods of one node. Eviction names the pod's UID and
   * the resourceVersion consolidation saw, so a pod protected since is never evicted. `busyOn` says
   * which job runs on a pod (by UID); `evictedBusy` hears of each pod evicted while it ran one.
   */
  async consolidate(
    pods: readonly V1Pod[],
    busyOn: (uid: string) => SimulatedJob | undefined,
    evictedBusy: (job: SimulatedJob) => void,
  ): Promise<void> {
    const running = pods.filter(
      (pod) => pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp && pod.spec?.nodeName,
    );
    const open = running.filter((pod) => pod.metadata?.annotations?.[DO_NOT_DISRUPT] !== 'true');
    for (const pod of open) this.openSeen.add(pod.metadata?.uid ?? '');
    this.counts.openedSeen = this.openSeen.size;
    if (this.decided && Date.now() - this.decided.at >= VALIDATION_MS) {
      // Validated as Karpenter does before it acts: on the pods as they are now.
      const { node } = this.decided;
      this.decided = undefined;
      return this.evictOpenPods(
        running.filter(({ spec }) => spec?.nodeName === node),
        busyOn,
        evictedBusy,
      );
    }
    if (this.decided || Date.now() - this.lastConsolidation < this.options.consolidateEveryMs) return;
    this.lastConsolidation = Date.now();
    // A node consolidation can do something about: one with a runner pod it may evict.
    const nodes = [...new Set(open.map((pod) => pod.spec?.nodeName ?? ''))];
    const node = nodes[Math.floor(this.options.random() * nodes.length)];
    if (node) this.decided = { node, at: Date.now() };
  }

  private async evictOpenPods(
    onNode: readonly V1Pod[],
    busyOn: (uid: string) => SimulatedJob | undefined,
    evictedBusy: (job: SimulatedJob) => void,
  ): Promise<void> {
    this.counts.consolidations += 1;
    for (const pod of onNode) {
      if (pod.metadata?.annotations?.[DO_NOT_DISRUPT] === 'true') {
        this.counts.protectedLeft += 1;
        continue;
      }
      const uid = pod.metadata?.uid ?? '';
      const before = busyOn(uid);
      if (!(await this.evict(pod))) continue;
      this.counts.evicted += 1;
      const job = busyOn(uid) ?? before;
      if (job) {
        this.counts.disruptedBusy += 1;
        evictedBusy(job);
      } else this.counts.evictedIdle += 1;
    }
  }

  /** How the next kill ends its pod, picked at random. */
  pickKill(): KillReason {
    const { reason } = KILLS[Math.floor(this.options.random() * KILLS.length)] ?? { reason: 'Evicted' };
    this.counts.killed += 1;
    this.counts.killedBy[reason] = (this.counts.killedBy[reason] ?? 0) + 1;
    return reason;
  }

  /** Ends the pod (by UID) mid-job as the infrastructure would, reporting it in the pod's status. */
  async kill(podName: string, uid: string, how: KillReason): Promise<void> {
    const kill = KILLS.find(({ reason }) => reason === how);
    if (!kill) return;
    const now = new Date().toISOString();
    const { reason, message, conditions } = kill.status(now) as {
      reason?: string;
      message?: string;
      conditions?: unknown[];
    };
    const pod = await this.options.api
      .readNamespacedPodStatus({ name: podName, namespace: this.options.namespace })
      .catch(() => undefined);
    if (!pod || pod.metadata?.uid !== uid) {
      this.counts.killsMissed += 1;
      return;
    }
    const status = {
      ...pod.status,
      phase: 'Failed',
      ...(reason ? { reason, message } : {}),
      conditions: [
        ...(pod.status?.conditions ?? []).filter(
          ({ type }) => type !== 'Ready' && type !== 'DisruptionTarget',
        ),
        { type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: now },
        ...(conditions ?? []),
      ],
      containerStatuses: (pod.status?.containerStatuses ?? []).map((container) => ({
        ...container,
        ready: false,
        started: false,
        state: { terminated: { exitCode: 137, reason: 'Error', finishedAt: now } },
      })),
    };
    // The status subresource, with the UID tested, so a newer pod of the name is never touched.
    await this.options.api
      .patchNamespacedPodStatus({
        name: podName,
        namespace: this.options.namespace,
        body: [
          { op: 'test', path: '/metadata/uid', value: uid },
          { op: 'replace', path: '/status', value: status },
        ],
      })
      .catch(() => {
        this.counts.killsMissed += 1;
      });
  }

  private async evict(pod: V1Pod): Promise<boolean> {
    const name = pod.metadata?.name ?? '';
    try {
      await this.options.api.createNamespacedPodEviction({
        name,
        namespace: this.options.namespace,
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name, namespace: this.options.namespace },
          deleteOptions: {
            preconditions: { uid: pod.metadata?.uid, resourceVersion: pod.metadata?.resourceVersion },
          },
        },
      });
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === 409) this.counts.evictionConflicts += 1;
      return false;
    }
  }
}

function disruptionTarget(reason: string, now: string) {
  const message = {
    DeletionByTaintManager: 'Taint manager: deleting due to NoExecute taint',
    EvictionByEvictionAPI: 'Eviction API: evicting',
    TerminationByKubelet: 'Pod was terminated in response to imminent node shutdown.',
  }[reason];
  return {
    conditions: [{ type: 'DisruptionTarget', status: 'True', reason, message, lastTransitionTime: now }],
  };
}
