import type { V1Pod } from '@kubernetes/client-node';
import type { SimulatedJob } from './simulatedJob.ts';
import type { JobAction, WebhookDeliveries } from './webhookDeliveries.ts';

export interface LateDeliveryOptions {
  deliveries: WebhookDeliveries;
  /** The pod a job's `queued` makes: `<class>-<job id>`. */
  ownPodName: (job: SimulatedJob) => string;
  /** Share of jobs whose `queued` GitHub delivers again after the job completed, half soon, half late. */
  queuedAgainShare: number;
  /** Shares of jobs whose `completed`, and whose `in_progress`, GitHub delivers again later. */
  completedAgainShare: number;
  inProgressAgainShare: number;
  /** Share of the runners made anew under a used name whose earlier job's events come again as it runs. */
  afterReuseShare: number;
  random: () => number;
}

/** A `queued` redelivered this long after GitHub queued the job is still fresh for the scaler (60 s). */
const FRESH_FOR_MS = 40_000;
/** …and one this long after is late, so the scaler asks GitHub first. */
const LATE_AFTER_MS = 65_000;

const COUNTED_AS = {
  queuedSoon: 'queuedAgainSoon',
  queuedLate: 'queuedAgainLate',
  completedAgain: 'completedAgain',
  inProgressAgain: 'inProgressAgain',
} as const;

interface Scheduled {
  job: SimulatedJob;
  action: JobAction;
  kind: keyof typeof COUNTED_AS;
  /** Not before (epoch ms). */
  due: number;
}

/**
 * Deliveries across pod lifetimes, as redeliveries (the reconciler's, or anyone's from the delivery
 * log, up to 30 minutes back) bring them, each under the GUID GitHub first sent it with:
 * - a finished job's `queued` again once its pod is gone, soon (within the scaler's 60 s freshness,
 *   so a new pod of the same name is made, and another job may take it) or late (older, so the
 *   scaler asks GitHub whether the job still waits);
 * - a finished job's `completed` and `in_progress` again, some time later;
 * - the `completed` and `in_progress` of the job a runner name ran before, while a pod made anew under
 *   that name runs another job: what must never remove the new one.
 */
export class LateDeliveries {
  readonly counts = {
    queuedAgainSoon: 0,
    queuedAgainLate: 0,
    completedAgain: 0,
    inProgressAgain: 0,
    /** Earlier jobs' `completed` and `in_progress` delivered while a newer pod of the name ran a job. */
    againWhileNameReused: 0,
    /** `in_progress` delivered after `completed`. */
    reordered: 0,
  };
  private readonly options: LateDeliveryOptions;
  private scheduled: Scheduled[] = [];
  private readonly replayedAfterReuse = new Set<number>();
  private planned = 0;

  constructor(options: LateDeliveryOptions) {
    this.options = options;
  }

  /** Picks, when the job is queued, which of its events come again; the first jobs get one each. */
  plan(job: SimulatedJob): void {
    const { random, queuedAgainShare, completedAgainShare, inProgressAgainShare } = this.options;
    const created = Date.parse(job.createdAt);
    const first = this.planned++;
    if (first < 2 || random() < queuedAgainShare) {
      const soon = first < 2 ? first === 0 : random() < 0.5;
      const due = soon ? created : created + LATE_AFTER_MS + random() * 30_000;
      this.scheduled.push({ job, action: 'queued', kind: soon ? 'queuedSoon' : 'queuedLate', due });
    }
    if (first === 2 || random() < completedAgainShare)
      this.scheduled.push({ job, action: 'completed', kind: 'completedAgain', due: 0 });
    if (first === 3 || random() < inProgressAgainShare)
      this.scheduled.push({ job, action: 'in_progress', kind: 'inProgressAgain', due: 0 });
  }

  /** The job completed: its repeated `completed` and `in_progress` fall due 2–30 s from now. */
  completed(job: SimulatedJob): void {
    for (const item of this.scheduled)
      if (item.job === job && item.kind !== 'queuedSoon' && item.kind !== 'queuedLate')
        item.due = Date.now() + 2000 + this.options.random() * 28_000;
  }

  /** Deliveries still to come. */
  get pending(): number {
    return this.scheduled.length;
  }

  /** Sends what fell due, given the runner pods as they are now. */
  async tick(pods: readonly V1Pod[], track: (work: Promise<unknown>) => void): Promise<void> {
    const names = new Set(pods.map((pod) => pod.metadata?.name));
    const now = Date.now();
    const due: Scheduled[] = [];
    this.scheduled = this.scheduled.filter((item) => {
      if (item.job.status !== 'completed' || now < item.due || item.due === 0) return true;
      if (item.kind === 'queuedSoon') {
        // Once the job's own pod is gone, so that the name is free for a new one.
        if (names.has(this.options.ownPodName(item.job))) return true;
        if (now - Date.parse(item.job.createdAt) > FRESH_FOR_MS) {
          item.kind = 'queuedLate';
          item.due = Date.parse(item.job.createdAt) + LATE_AFTER_MS;
          return true;
        }
      }
      due.push(item);
      return false;
    });
    for (const item of due) {
      track(
        this.options.deliveries.redeliverEvent(item.job, item.action).then((sent) => {
          if (sent) this.counts[COUNTED_AS[item.kind]] += 1;
        }),
      );
    }
  }

  /**
   * A runner made anew under `podName` (pod `uid`) takes a job: now and then, GitHub delivers again
   * the `completed` and `in_progress` of an earlier job that ran on that name. Returns that job, for
   * redeliverEarlier, and so that the job running now lasts long enough for them to arrive while it runs.
   */
  takenAgain(podName: string, uid: string, jobs: readonly SimulatedJob[]): SimulatedJob | undefined {
    const earlier = jobs.find(
      (job) =>
        job.ranOn === podName &&
        job.ranOnUid !== uid &&
        job.status === 'completed' &&
        !this.replayedAfterReuse.has(job.id),
    );
    if (!earlier || this.options.random() >= this.options.afterReuseShare) return undefined;
    this.replayedAfterReuse.add(earlier.id);
    return earlier;
  }

  /** Delivers an earlier job's `completed` and `in_progress` again (see takenAgain). */
  async redeliverEarlier(earlier: SimulatedJob): Promise<void> {
    const { deliveries } = this.options;
    const completed = await deliveries.redeliverEvent(earlier, 'completed');
    const inProgress = await deliveries.redeliverEvent(earlier, 'in_progress');
    if (completed || inProgress) this.counts.againWhileNameReused += 1;
  }
}
