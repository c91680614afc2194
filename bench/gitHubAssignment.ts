import { type KubeConfig, type V1Pod, Watch } from '@kubernetes/client-node';
import type { JobMessage } from '../lib/jobMessage.ts';
import { ANNOTATION, LABEL } from '../lib/pod/labels.ts';
import { isIdleRunner, runnerIdOf } from '../test/chaos/runnerWatch.ts';
import type { GitHubStandIn } from '../test/helpers/gitHubStandIn.ts';

/**
 * GitHub's side of a job's wait, as the bench models it:
 * - a queued job goes to whichever idle runner of its labels is there first, not necessarily the one
 *   made for it, oldest job first; all runners of a scenario carry the same labels;
 * - a runner is there once its pod is Running and Ready (on the bench's nodes KWOK keeps it Pending
 *   for the ready-after delay first: the image pull and the runner's boot), released, registered on
 *   the stand-in, and has taken no job before (runners are single-use);
 * - the job starts the moment it is given: its wait is from its `queued` to then. The runner is then
 *   busy on the stand-in and the scaler gets the `in_progress` naming it, as GitHub would send it, so
 *   a warm runner taken tops its pool up;
 * - jobs then run until the scenario ends: completion is not modelled (the e2e figures time removal).
 * Not modelled: GitHub's own delay in handing a job out and the runner's long poll (together about a
 * second or two on github.com, on top of these figures), and jobs of different labels.
 */
export class GitHubAssignment {
  /** Milliseconds each job waited, in the order they were given a runner. */
  readonly waitsMs: number[] = [];
  /** Jobs given to a warm runner (one made for no job). */
  takenByWarm = 0;
  private readonly waiting: { message: JobMessage; queuedAt: number }[] = [];
  /** The class's pods, by name, and since when each has been Ready (first runners first). */
  private readonly pods = new Map<string, { pod: V1Pod; runningSince: number | undefined }>();
  private readonly used = new Set<string>();
  private readonly options: {
    admin: KubeConfig;
    namespace: string;
    className: string;
    gitHub: GitHubStandIn;
    /** Hands GitHub's `in_progress` to the autoscaler. */
    deliver: (message: JobMessage) => Promise<void>;
  };
  private stopWatch: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: GitHubAssignment['options']) {
    this.options = options;
  }

  async start(): Promise<void> {
    const request = await new Watch(this.options.admin).watch(
      `/api/v1/namespaces/${this.options.namespace}/pods`,
      { labelSelector: `${LABEL.runnerClass}=${this.options.className}` },
      (type: string, pod: V1Pod) => {
        const name = pod.metadata?.name ?? '';
        if (type === 'DELETED') this.pods.delete(name);
        else {
          const since = this.pods.get(name)?.runningSince;
          this.pods.set(name, { pod, runningSince: since ?? (isReady(pod) ? performance.now() : undefined) });
        }
        this.assign();
      },
      (error: unknown) => {
        if (error && (error as Error).name !== 'AbortError')
          process.stderr.write(`bench: pod watch ended: ${error}\n`);
      },
    );
    this.stopWatch = () => request.abort();
    // A runner registers before its pod runs, but look again in case the stand-in answered late.
    this.timer = setInterval(() => this.assign(), 250);
  }

  /** GitHub has this job queued from now. */
  queued(message: JobMessage): void {
    this.waiting.push({ message, queuedAt: performance.now() });
    this.assign();
  }

  /** Jobs not given a runner yet. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  stop(): void {
    this.stopWatch?.();
    clearInterval(this.timer);
  }

  private assign(): void {
    const idle = [...this.pods.values()]
      .filter(({ pod }) => isReady(pod) && isIdleRunner(pod, this.options.gitHub.runners, this.used))
      .sort((a, b) => (a.runningSince ?? 0) - (b.runningSince ?? 0));
    for (const { pod } of idle) {
      const job = this.waiting.shift();
      if (!job) return;
      this.take(pod, job);
    }
  }

  private take(pod: V1Pod, job: { message: JobMessage; queuedAt: number }): void {
    const name = pod.metadata?.name ?? '';
    this.used.add(pod.metadata?.uid ?? name);
    this.waitsMs.push(performance.now() - job.queuedAt);
    if (pod.metadata?.annotations?.[ANNOTATION.warm]) this.takenByWarm += 1;
    const { gitHub } = this.options;
    gitHub.setBusy(name, true);
    void this.options.deliver({
      ...job.message,
      action: 'in_progress',
      deliveryId: `${job.message.deliveryId}-in-progress`,
      runnerName: name,
      runnerId: runnerIdOf(name, gitHub.runners),
      startedAt: new Date().toISOString(),
    });
  }
}

function isReady(pod: V1Pod): boolean {
  return (
    pod.status?.phase === 'Running' &&
    (pod.status.conditions ?? []).some(
      (condition) => condition.type === 'Ready' && condition.status === 'True',
    )
  );
}
