import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { LABEL } from '../../lib/pod/labels.ts';
import type { GitHubStandIn } from '../helpers/gitHubStandIn.ts';
import { workflowJobEvent } from '../helpers/hostileRequests.ts';
import { signedDelivery } from '../helpers/webhookRequests.ts';

export interface SimulatedJob {
  id: number;
  runId: number;
  cancelled: boolean;
  createdAt: string;
  startedAt?: string;
  status: 'queued' | 'in_progress' | 'completed';
  /** The runner (pod) GitHub gave the job to, and that pod's UID. */
  ranOn?: string;
  ranOnUid?: string;
}

export interface SimulatorOptions {
  webhookUrl: string;
  gitHub: GitHubStandIn;
  admin: KubeConfig;
  namespace: string;
  runnerClass: RunnerClass;
  /** Shares of deliveries lost (GitHub records them as failed) and sent twice. */
  lostShare: number;
  duplicateShare: number;
  /** Share of jobs whose `queued` webhook GitHub never sends, so no delivery log records it. */
  unsentShare: number;
  /** Share of runner pods OOM-killed before they take a job. */
  podFailureShare: number;
  random: () => number;
}

/**
 * GitHub and the runners, as the autoscaler meets them: jobs are queued, given to whichever idle
 * runner of their labels comes first (not necessarily their own), run, and complete, each step sent
 * as a signed webhook. Some webhooks are lost (and sit in the App's delivery log as failed, for the
 * reconciler to ask for again), some `queued` webhooks are never sent at all (only the reconciler's
 * stranded-job sweep finds those jobs), some arrive twice, some jobs are cancelled while queued (their
 * `completed` sometimes before their `queued`), and some runner pods are OOM-killed before they
 * take a job. It also watches for the one thing that must never happen: a busy runner's pod removed.
 */
export class GitHubSimulator {
  readonly jobs: SimulatedJob[] = [];
  readonly counts = {
    delivered: 0,
    lost: 0,
    unsent: 0,
    duplicated: 0,
    redelivered: 0,
    podsKilled: 0,
    busyDeleted: 0,
  };
  private readonly options: SimulatorOptions;
  private readonly api: CoreV1Api;
  private readonly payloads = new Map<number, { payload: unknown; guid: string }>();
  /** By pod UID: a pod made anew under a used pod's name is a new runner. */
  private readonly usedPods = new Set<string>();
  private readonly judgedPods = new Set<string>();
  private readonly running = new Set<Promise<unknown>>();
  private nextDeliveryId = 1;

  constructor(options: SimulatorOptions) {
    this.options = options;
    this.api = options.admin.makeApiClient(CoreV1Api);
    options.gitHub.hooks.onRedeliver = (deliveryId) => {
      const delivery = this.payloads.get(deliveryId);
      if (!delivery) return;
      const attempt = this.nextDeliveryId++;
      this.track(
        this.post(delivery.payload, delivery.guid, true).then((status) =>
          this.record(attempt, delivery.guid, status),
        ),
      );
    };
  }

  /** Queues the jobs, ten to a workflow run; `cancelShare` of them are cancelled while queued. */
  async queue(jobIds: number[], cancelShare: number): Promise<void> {
    for (const [index, id] of jobIds.entries()) {
      const job: SimulatedJob = {
        id,
        runId: 1 + Math.floor(index / 10),
        cancelled: this.options.random() < cancelShare,
        status: 'queued',
        createdAt: new Date().toISOString(),
      };
      this.jobs.push(job);
      this.options.gitHub.setJob('acme/app', id, 'queued', null, {
        runId: job.runId,
        labels: this.options.runnerClass.labels,
        createdAt: job.createdAt,
      });
      if (job.cancelled && this.options.random() < 0.5) {
        // Out of order: the cancellation arrives before the job's queued webhook.
        await this.cancel(job);
        await this.deliver('queued', job);
      } else {
        await this.deliver('queued', job);
        if (job.cancelled) await this.cancel(job);
      }
    }
  }

  /** One look at the runner pods: hands queued jobs to idle runners and notices busy runners removed. */
  async tick(): Promise<void> {
    const { items } = await this.api.listNamespacedPod({
      namespace: this.options.namespace,
      labelSelector: `${LABEL.runnerClass}=${this.options.runnerClass.name}`,
    });
    const pods = new Map(items.map((pod) => [pod.metadata?.name ?? '', pod]));
    for (const job of this.jobs) {
      if (job.status !== 'in_progress' || !job.ranOn) continue;
      const pod = pods.get(job.ranOn);
      const gone = !pod || pod.metadata?.uid !== job.ranOnUid;
      if (gone || (pod.metadata?.deletionTimestamp && pod.status?.phase === 'Running')) {
        this.counts.busyDeleted += 1;
        job.ranOn = `${job.ranOn} (deleted while busy)`;
      }
    }
    for (const pod of items) {
      const name = pod.metadata?.name ?? '';
      if (!this.isIdleRunner(pod, name)) continue;
      const uid = pod.metadata?.uid ?? name;
      if (!this.judgedPods.has(uid)) {
        this.judgedPods.add(uid);
        if (this.options.random() < this.options.podFailureShare) {
          this.counts.podsKilled += 1;
          this.usedPods.add(uid);
          await this.annotate(name, 'oom');
          continue;
        }
      }
      const job = this.jobs.find((candidate) => candidate.status === 'queued' && !candidate.cancelled);
      if (!job) break;
      this.usedPods.add(uid);
      job.ranOnUid = uid;
      this.track(this.run(job, name));
    }
  }

  /** Waits for the webhooks and job runs under way. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private isIdleRunner(pod: V1Pod, name: string): boolean {
    const registered = [...this.options.gitHub.runners.values()].some(
      (runner) => runner.name === name && !runner.busy,
    );
    return (
      pod.status?.phase === 'Running' &&
      !pod.metadata?.deletionTimestamp &&
      !(pod.spec?.schedulingGates ?? []).length &&
      !this.usedPods.has(pod.metadata?.uid ?? name) &&
      registered
    );
  }

  private async run(job: SimulatedJob, podName: string): Promise<void> {
    const { gitHub, random } = this.options;
    job.status = 'in_progress';
    job.ranOn = podName;
    job.startedAt = new Date().toISOString();
    const runner = { runner_name: podName, runner_id: this.runnerId(podName) };
    gitHub.setBusy(podName, true);
    gitHub.setJob('acme/app', job.id, 'in_progress', podName);
    await this.deliver('in_progress', job, runner);
    await new Promise((resolve) => setTimeout(resolve, 100 + random() * 300));
    job.status = 'completed';
    gitHub.setJob('acme/app', job.id, 'completed', podName);
    // A JIT runner leaves GitHub after its one job, and its pod completes.
    for (const [id, registered] of gitHub.runners) if (registered.name === podName) gitHub.runners.delete(id);
    await this.annotate(podName, 'finish');
    await this.deliver('completed', job, runner);
  }

  private runnerId(name: string): number | null {
    return [...this.options.gitHub.runners.values()].find((runner) => runner.name === name)?.id ?? null;
  }

  private async cancel(job: SimulatedJob): Promise<void> {
    job.status = 'completed';
    this.options.gitHub.setJob('acme/app', job.id, 'completed');
    await this.deliver('completed', job, { conclusion: 'cancelled' });
  }

  private async deliver(
    action: string,
    job: SimulatedJob,
    fields: Record<string, unknown> = {},
  ): Promise<void> {
    const event = workflowJobEvent(action, {
      id: job.id,
      run_id: job.runId,
      labels: this.options.runnerClass.labels,
      status: action === 'queued' ? 'queued' : action,
      // GitHub's own times: the reconciler and the scaler read them.
      created_at: job.createdAt,
      started_at: job.startedAt ?? job.createdAt,
      runner_name: null,
      ...fields,
    });
    // The repository the stand-in keeps the jobs in, so that GitHub's answers about them are real.
    const repository = {
      ...event.repository,
      name: 'app',
      full_name: 'acme/app',
      owner: { ...event.repository.owner, login: 'acme' },
    };
    const payload = { ...event, repository };
    if (action === 'queued' && this.options.random() < this.options.unsentShare) {
      this.counts.unsent += 1;
      return;
    }
    const guid = crypto.randomUUID();
    const deliveryId = this.nextDeliveryId++;
    this.payloads.set(deliveryId, { payload, guid });
    if (this.options.random() < this.options.lostShare) {
      this.counts.lost += 1;
      this.record(deliveryId, guid, 0);
      return;
    }
    this.record(deliveryId, guid, await this.post(payload, guid, false));
    if (this.options.random() < this.options.duplicateShare) {
      this.counts.duplicated += 1;
      await this.post(payload, guid, false);
    }
  }

  private async post(payload: unknown, guid: string, redelivery: boolean): Promise<number> {
    const request = await signedDelivery(payload, { deliveryId: guid });
    const response = await fetch(this.options.webhookUrl, {
      method: 'POST',
      headers: request.headers as Record<string, string>,
      body: request.body,
    }).catch(() => undefined);
    await response?.text();
    if (redelivery) this.counts.redelivered += 1;
    else this.counts.delivered += 1;
    return response?.status ?? 0;
  }

  private record(id: number, guid: string, statusCode: number): void {
    this.options.gitHub.addDelivery({
      id,
      guid,
      delivered_at: new Date().toISOString(),
      redelivery: false,
      status_code: statusCode,
      event: 'workflow_job',
    });
  }

  private async annotate(podName: string, what: 'oom' | 'finish'): Promise<void> {
    await this.api
      .patchNamespacedPod({
        name: podName,
        namespace: this.options.namespace,
        body: [
          { op: 'add', path: `/metadata/annotations/test.eks-runner-autoscaler.io~1${what}`, value: 'true' },
        ],
      })
      .catch(() => undefined);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }
}
