import type { GitHubStandIn } from '../helpers/gitHubStandIn.ts';
import { workflowJobEvent } from '../helpers/hostileRequests.ts';
import { signedDelivery } from '../helpers/webhookRequests.ts';
import type { Clock, SimulatedJob } from './simulatedJob.ts';

/** The repository every simulated job runs in, as the GitHub stand-in knows it. */
export const REPOSITORY = { owner: 'acme', name: 'app', fullName: 'acme/app' } as const;

export type JobAction = 'queued' | 'in_progress' | 'completed';

export interface DeliveryOptions {
  webhookUrl: string;
  gitHub: GitHubStandIn;
  /** Shares of deliveries lost (GitHub records them as failed) and sent twice. */
  lostShare: number;
  duplicateShare: number;
  /**
   * Share of deliveries our endpoint accepted that GitHub still records as failed (it gave up
   * waiting for the answer): the reconciler asks for them again, and they arrive a second time,
   * with the same GUID, often after the job is long done.
   */
  timedOutShare: number;
  /** Share of jobs whose `queued` webhook GitHub never sends, so no delivery log records it. */
  unsentShare: number;
  random: () => number;
  at: Clock;
}

/** One event GitHub sent about a job: what it said, under which delivery GUID. */
interface SentEvent {
  job: SimulatedJob;
  action: JobAction;
  payload: unknown;
  guid: string;
}

/**
 * GitHub's side of webhooks: each event about a job is signed and POSTed to the webhook, and each
 * attempt is written to the App's delivery log, as GitHub records it. Some are lost, some arrive
 * twice, some are accepted but logged as failed; some `queued` events are never sent at all. A
 * redelivery (asked for by the reconciler, or replayed by the simulator) sends the same event again
 * under the same GUID, as GitHub does: only a new event gets a new GUID.
 */
export class WebhookDeliveries {
  readonly counts = {
    delivered: 0,
    lost: 0,
    unsent: 0,
    duplicated: 0,
    timedOut: 0,
    redelivered: 0,
  };
  private readonly options: DeliveryOptions;
  /** By delivery-log ID: the event each attempt carried. */
  private readonly attempts = new Map<number, SentEvent>();
  /** By job and action: the event GitHub sent first, which a redelivery sends again. */
  private readonly events = new Map<string, SentEvent>();
  private nextDeliveryId = 1;

  constructor(options: DeliveryOptions, track: (work: Promise<unknown>) => void) {
    this.options = options;
    options.gitHub.hooks.onRedeliver = (deliveryId) => {
      const event = this.attempts.get(deliveryId);
      if (event) track(this.redeliver(event));
    };
  }

  /** GitHub sends a new event about the job, under a new GUID. */
  async deliver(action: JobAction, job: SimulatedJob, fields: Record<string, unknown> = {}): Promise<void> {
    const { random, lostShare, duplicateShare, timedOutShare, unsentShare } = this.options;
    if (action === 'queued' && random() < unsentShare) {
      this.counts.unsent += 1;
      this.note(job, 'queued never sent');
      return;
    }
    const event = { job, action, payload: this.payload(action, job, fields), guid: crypto.randomUUID() };
    const key = `${job.id}:${action}`;
    if (!this.events.has(key)) this.events.set(key, event);
    if (random() < lostShare) {
      this.counts.lost += 1;
      this.record(event, 0, false);
      this.note(job, `${action} lost`);
      return;
    }
    const status = await this.post(event);
    this.counts.delivered += 1;
    const timedOut = status >= 200 && status < 300 && random() < timedOutShare;
    if (timedOut) this.counts.timedOut += 1;
    this.record(event, timedOut ? 0 : status, false);
    this.note(job, `${action} delivered: ${status}${timedOut ? ', logged as failed' : ''}`);
    if (random() < duplicateShare) {
      this.counts.duplicated += 1;
      this.note(job, `${action} delivered twice: ${await this.post(event)}`);
    }
  }

  /** Whether GitHub ever sent (or tried to send) this event about the job. */
  sent(job: SimulatedJob, action: JobAction): boolean {
    return this.events.has(`${job.id}:${action}`);
  }

  /**
   * GitHub delivers the job's event again, under its GUID, as when someone asks for a redelivery
   * from the delivery log. Resolves to false when GitHub never sent that event.
   */
  async redeliverEvent(job: SimulatedJob, action: JobAction): Promise<boolean> {
    const event = this.events.get(`${job.id}:${action}`);
    if (!event) return false;
    await this.redeliver(event);
    return true;
  }

  private async redeliver(event: SentEvent): Promise<void> {
    const status = await this.post(event);
    this.counts.redelivered += 1;
    this.record(event, status, true);
    this.note(event.job, `${event.action} redelivered: ${status}`);
  }

  private note(job: SimulatedJob, line: string): void {
    job.trail.push(`${this.options.at()} ${line}`);
  }

  private payload(action: JobAction, job: SimulatedJob, fields: Record<string, unknown>): unknown {
    const event = workflowJobEvent(action, {
      id: job.id,
      run_id: job.runId,
      run_attempt: job.runAttempt,
      labels: job.labels,
      status: action,
      conclusion: action === 'completed' ? (job.conclusion ?? 'success') : null,
      // GitHub's own times: the reconciler and the scaler read them.
      created_at: job.createdAt,
      started_at: job.startedAt ?? job.createdAt,
      completed_at: action === 'completed' ? (job.completedAt ?? new Date().toISOString()) : null,
      runner_name: null,
      runner_id: null,
      ...fields,
    });
    // The jobs live in one repository of the organisation, which GitHub's API answers for.
    const repository = {
      ...event.repository,
      name: REPOSITORY.name,
      full_name: REPOSITORY.fullName,
      owner: { ...event.repository.owner, login: REPOSITORY.owner },
    };
    return { ...event, repository };
  }

  private async post(event: SentEvent): Promise<number> {
    const request = await signedDelivery(event.payload, { deliveryId: event.guid });
    const response = await fetch(this.options.webhookUrl, {
      method: 'POST',
      headers: request.headers as Record<string, string>,
      body: request.body,
    }).catch(() => undefined);
    await response?.text();
    return response?.status ?? 0;
  }

  private record(event: SentEvent, statusCode: number, redelivery: boolean): void {
    const id = this.nextDeliveryId++;
    this.attempts.set(id, event);
    this.options.gitHub.addDelivery({
      id,
      guid: event.guid,
      delivered_at: new Date().toISOString(),
      redelivery,
      status_code: statusCode,
      event: 'workflow_job',
    });
  }
}
