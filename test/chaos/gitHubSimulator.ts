import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { LABEL } from '../../lib/pod/labels.ts';
import { type DisruptionOptions, Disruptions } from './disruptions.ts';
import { LateDeliveries, type LateDeliveryOptions } from './lateDeliveries.ts';
import { busyRunnersGone, endPod, isIdleRunner, runnerIdOf, SpareCount } from './runnerWatch.ts';
import { type Clock, runnerFields, type SimulatedJob, sleep } from './simulatedJob.ts';
import { onRerun, publishJob } from './standInJobs.ts';
import { type DeliveryOptions, WebhookDeliveries } from './webhookDeliveries.ts';

export type { SimulatedJob } from './simulatedJob.ts';

export interface SimulatorOptions
  extends Omit<DeliveryOptions, 'labels'>,
    Omit<LateDeliveryOptions, 'deliveries' | 'ownPodName'>,
    Omit<DisruptionOptions, 'api'> {
  admin: KubeConfig;
  /** The class most jobs run on, and the one the held jobs run on, whose runners take no other jobs. */
  runnerClass: RunnerClass;
  heldClass: RunnerClass;
  at: Clock;
  /** Share of runner pods OOM-killed before they take a job. */
  podFailureShare: number;
  /** Share of jobs whose runner the infrastructure kills while it runs them (at least one). */
  killShare: number;
  /**
   * Share of jobs that run 25–45 s, longer than the reconciler's idle time, so that the runner made
   * for a job such a runner took idles, and is opened to disruption while that job runs.
   */
  longJobShare: number;
  /**
   * Share of jobs GitHub holds back 30–60 s before any runner may take them (as a concurrency group
   * does), on a class of their own, so that the runner made for one idles with its job still queued,
   * however busy the other class, and is opened to disruption.
   */
  heldShare: number;
  /** Share of jobs whose `in_progress` arrives after their `completed`. */
  reorderShare: number;
}

/**
 * GitHub and the runners, as the autoscaler meets them: jobs are queued, given to whichever idle
 * runner of their labels comes first (not necessarily their own), run, and complete, each step sent
 * as a signed webhook (WebhookDeliveries: lost, duplicated, never sent), some again across pod
 * lifetimes (LateDeliveries), some out of order. Some jobs are cancelled while queued (their
 * `completed` sometimes before their `queued`), some runner pods are OOM-killed before they take a
 * job, some are killed by the infrastructure mid-job (GitHub then fails the job, and re-runs it when
 * asked), and consolidation evicts unprotected runners (Disruptions). It watches for what must never
 * happen: a busy runner's pod removed, or evicted.
 */
export class GitHubSimulator {
  readonly jobs: SimulatedJob[] = [];
  readonly counts = { held: 0, podsKilled: 0, busyDeleted: 0, reruns: 0, rerunsOfUnkilled: 0 };
  /** The jobs re-run that no infrastructure killed. */
  readonly unkilledReruns: SimulatedJob[] = [];
  readonly deliveries: WebhookDeliveries;
  readonly late: LateDeliveries;
  readonly disruptions: Disruptions;
  readonly spares = new SpareCount();
  private readonly options: SimulatorOptions;
  private readonly api: CoreV1Api;
  /** By pod UID: a pod made anew under a used pod's name is a new runner. */
  private readonly usedPods = new Set<string>();
  private readonly judgedPods = new Set<string>();
  private readonly running = new Set<Promise<unknown>>();
  private nextJobId = 0;

  constructor(options: SimulatorOptions) {
    this.options = options;
    this.api = options.admin.makeApiClient(CoreV1Api);
    const track = (work: Promise<unknown>) => this.track(work);
    this.deliveries = new WebhookDeliveries(options, track);
    this.late = new LateDeliveries({
      ...options,
      deliveries: this.deliveries,
      ownPodName: (job) => `${job.runnerClass}-${job.id}`,
    });
    this.disruptions = new Disruptions({ ...options, api: this.api });
    onRerun(options.gitHub, (_repository, rerunJobIds) => this.rerun(rerunJobIds));
  }

  /** Queues the jobs, ten to a workflow run; `cancelShare` of them are cancelled while queued. */
  async queue(jobIds: number[], cancelShare: number): Promise<void> {
    this.nextJobId = Math.max(0, ...jobIds) + 1;
    for (const [index, id] of jobIds.entries()) {
      const job = this.newJob(
        id,
        1 + Math.floor(index / 10),
        1,
        this.options.random() < this.options.heldShare,
      );
      job.cancelled = this.options.random() < cancelShare;
      if (job.cancelled && this.options.random() < 0.5) {
        // Out of order: the cancellation arrives before the job's queued webhook.
        await this.cancel(job);
        await this.deliveries.deliver('queued', job);
      } else {
        await this.deliveries.deliver('queued', job);
        if (job.cancelled) await this.cancel(job);
      }
    }
  }

  /** The original jobs, re-runs left out. */
  get originals(): SimulatedJob[] {
    return this.jobs.filter((job) => job.rerunOf === undefined);
  }

  /**
   * One look at the runner pods: notices busy runners removed, hands queued jobs to idle runners,
   * sends the late deliveries that fell due, and lets consolidation evict.
   */
  async tick(): Promise<void> {
    const { items } = await this.api.listNamespacedPod({
      namespace: this.options.namespace,
      labelSelector: `${LABEL.runnerClass} in (${this.options.runnerClass.name},${this.options.heldClass.name})`,
    });
    for (const job of busyRunnersGone(this.jobs, items)) {
      this.counts.busyDeleted += 1;
      job.deletedWhileBusy = true;
    }
    this.spares.count(items, this.jobs);
    await this.late.tick(items, (work) => this.track(work));
    for (const pod of items) {
      const name = pod.metadata?.name ?? '';
      if (!isIdleRunner(pod, this.options.gitHub.runners, this.usedPods)) continue;
      const uid = pod.metadata?.uid ?? name;
      if (!this.judgedPods.has(uid)) {
        this.judgedPods.add(uid);
        if (this.options.random() < this.options.podFailureShare) {
          this.counts.podsKilled += 1;
          this.usedPods.add(uid);
          await this.annotate(name, uid, 'oom');
          continue;
        }
      }
      const now = Date.now();
      const ofClass = pod.metadata?.labels?.[LABEL.runnerClass];
      const job = this.jobs.find(
        (candidate) =>
          candidate.status === 'queued' &&
          candidate.runnerClass === ofClass &&
          !candidate.cancelled &&
          !((candidate.heldUntil ?? 0) > now),
      );
      if (!job) continue;
      this.usedPods.add(uid);
      this.track(this.run(job, name, uid));
    }
    const busyOn = (uid: string) =>
      this.jobs.find((job) => job.status === 'in_progress' && job.ranOnUid === uid && !job.deletedWhileBusy);
    await this.disruptions.consolidate(items, busyOn, (job) => {
      job.deletedWhileBusy = true;
      if (job.status !== 'in_progress') return;
      this.note(job, `${job.ranOn} evicted by consolidation while it ran the job`);
      // The runner died with the pod: GitHub fails the job, as after any kill.
      this.fail(job, 'consolidated-while-busy');
      this.track(this.reportFailure(job));
    });
  }

  /** Work under way: webhooks, job runs, and late deliveries still to come. */
  get busy(): boolean {
    return this.running.size > 0 || this.late.pending > 0;
  }

  /** Waits for the webhooks and job runs under way. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private newJob(id: number, runId: number, runAttempt: number, held: boolean): SimulatedJob {
    const { name, labels } = held ? this.options.heldClass : this.options.runnerClass;
    const job: SimulatedJob = {
      id,
      runnerClass: name,
      labels,
      runId,
      runAttempt,
      cancelled: false,
      status: 'queued',
      createdAt: new Date().toISOString(),
      trail: [],
    };
    if (held) {
      this.counts.held += 1;
      job.heldUntil = Date.now() + 30_000 + this.options.random() * 30_000;
      this.note(job, `held ${Math.round((job.heldUntil - Date.now()) / 1000)} s`);
    }
    this.jobs.push(job);
    this.publish(job);
    this.late.plan(job);
    return job;
  }

  /** GitHub was asked to re-run these jobs: each gets a new job in the run's next attempt. */
  private rerun(rerunJobIds: number[]): number[] {
    const made: number[] = [];
    for (const id of rerunJobIds) {
      const old = this.jobs.find((job) => job.id === id);
      if (!old) continue;
      this.counts.reruns += 1;
      if (!old.killed) {
        this.counts.rerunsOfUnkilled += 1;
        this.unkilledReruns.push(old);
      }
      const job = this.newJob(this.nextJobId++, old.runId, old.runAttempt + 1, false);
      job.runnerClass = old.runnerClass;
      job.labels = old.labels;
      job.rerunOf = old.id;
      old.rerunAs = job.id;
      made.push(job.id);
      this.track(this.deliveries.deliver('queued', job));
    }
    return made;
  }

  private async run(job: SimulatedJob, podName: string, uid: string): Promise<void> {
    const { gitHub, random } = this.options;
    job.status = 'in_progress';
    job.ranOn = podName;
    job.ranOnUid = uid;
    job.runnerId = runnerIdOf(podName, gitHub.runners);
    job.startedAt = new Date().toISOString();
    gitHub.setBusy(podName, true);
    this.publish(job);
    const reordered = random() < this.options.reorderShare;
    const long = random() < this.options.longJobShare;
    const how = `${long ? 'long, ' : ''}${reordered ? 'in_progress after completed, ' : ''}`;
    this.note(job, `runs on ${podName} (${uid.slice(0, 8)}, runner ${job.runnerId}) ${how}`);
    if (!reordered) await this.deliveries.deliver('in_progress', job, runnerFields(job));
    const earlier = this.late.takenAgain(podName, uid, this.jobs);
    // Long enough for an earlier job's events about this name to arrive while this job runs.
    if (earlier) await this.late.redeliverEarlier(earlier);
    await sleep(long ? 25_000 + random() * 20_000 : earlier ? 3000 : 100 + random() * 300);
    if (job.status !== 'in_progress') return;
    // At least one kill, however few the jobs.
    if (random() < this.options.killShare || this.disruptions.counts.killed === 0) {
      // Failed first, so that the pod's removal is never taken for a busy runner's.
      const how = this.disruptions.pickKill();
      this.fail(job, how);
      await this.disruptions.kill(podName, uid, how);
      await this.reportFailure(job);
    } else {
      this.finish(job, 'success');
      // A JIT runner leaves GitHub after its one job, and its pod completes.
      for (const [id, registered] of gitHub.runners)
        if (registered.name === podName) gitHub.runners.delete(id);
      await this.annotate(podName, uid, 'finish');
      await this.deliveries.deliver('completed', job, runnerFields(job));
    }
    if (reordered) {
      this.late.counts.reordered += 1;
      await this.deliveries.deliver('in_progress', job, runnerFields(job));
    }
  }

  /**
   * The job's runner died mid-job: GitHub fails the job, or cancels it when the runner was signalled
   * first (a third of kills here), which a re-run must not take for a job cancelled on purpose. The
   * runner stays registered, offline, for the ghost sweep.
   */
  private fail(job: SimulatedJob, killed: SimulatedJob['killed']): void {
    job.killed = killed;
    this.finish(job, this.options.random() < 1 / 3 ? 'cancelled' : 'failure');
    this.options.gitHub.setBusy(job.ranOn ?? '', false);
  }

  /** GitHub notices a failed job's runner is gone; its `completed` names the runner. */
  private async reportFailure(job: SimulatedJob): Promise<void> {
    await sleep(200 + this.options.random() * 800);
    await this.deliveries.deliver('completed', job, runnerFields(job));
  }

  private finish(job: SimulatedJob, conclusion: SimulatedJob['conclusion']): void {
    job.status = 'completed';
    job.conclusion = conclusion;
    job.completedAt = new Date().toISOString();
    this.note(job, `completed: ${conclusion}${job.killed ? ` (${job.killed})` : ''}`);
    this.publish(job);
    this.late.completed(job);
  }

  private async cancel(job: SimulatedJob): Promise<void> {
    this.finish(job, 'cancelled');
    await this.deliveries.deliver('completed', job);
  }

  private note(job: SimulatedJob, line: string): void {
    job.trail.push(`${this.options.at()} ${line}`);
  }

  private publish(job: SimulatedJob): void {
    publishJob(this.options.gitHub, job);
  }

  private async annotate(podName: string, uid: string, what: 'oom' | 'finish'): Promise<void> {
    await endPod(this.api, this.options.namespace, { name: podName, uid }, what);
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }
}
