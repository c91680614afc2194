import * as z from 'zod/mini';
import { INFRASTRUCTURE_KILL_REASONS } from './telemetry/metricCatalog.ts';

/** Bumped whenever a field changes meaning; the scaler refuses versions it does not know. */
export const JOB_MESSAGE_SCHEMA_VERSION = 1;

/** The `workflow_job` actions the webhook queues. */
export const JOB_ACTIONS = ['queued', 'in_progress', 'completed'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

/** What a message asks of the scaler: a webhook's action, or `rerun`, from the reconciler or scaler. */
export const MESSAGE_ACTIONS = [...JOB_ACTIONS, 'rerun'] as const;

/** What the webhook puts on the queue for the scaler: one `workflow_job` delivery, already routed. */
export const jobMessageSchema = z.object({
  schemaVersion: z.literal(JOB_MESSAGE_SCHEMA_VERSION),
  /** GitHub's `X-GitHub-Delivery` GUID. */
  deliveryId: z.string().check(z.minLength(1)),
  /** `rerun`: the infrastructure killed the job's runner; ask GitHub to re-run it once its run is done. */
  action: z.enum(MESSAGE_ACTIONS),
  jobId: z.int().check(z.positive()),
  runId: z.int().check(z.positive()),
  runAttempt: z.int().check(z.positive()),
  /** `owner/name`. */
  repository: z.string().check(z.minLength(3)),
  /** The organisation login, or null for a user-owned repository. */
  org: z.nullable(z.string()),
  installationId: z.int().check(z.positive()),
  labels: z.array(z.string()),
  runnerName: z.nullable(z.string()),
  runnerId: z.nullable(z.int()),
  createdAt: z.string(),
  startedAt: z.nullable(z.string()),
  completedAt: z.nullable(z.string()),
  /** The runner class that serves the job's labels. */
  runnerClass: z.string().check(z.minLength(1)),
  /** How many times the scaler has put this message back on the queue, for any reason. */
  attempt: z._default(z.int().check(z.gte(0)), 0),
  /** Errors in a row on this message; after too many the message goes to the dead-letter queue. */
  failures: z._default(z.int().check(z.gte(0)), 0),
  /** How many runner pods the reconciler has replaced for this job because they could not start. */
  replacements: z._default(z.int().check(z.gte(0)), 0),
  /**
   * How many times GitHub was found holding this job for an approval (status `waiting`), each time
   * putting it back to be read again later (see parkWaitingJob).
   */
  waitingChecks: z._default(z.int().check(z.gte(0)), 0),
  /**
   * From when a job the scaler sends back to wait has waited for a runner (JobWaitingSeconds), when
   * not since GitHub queued it: a `queued` first seen late may have spent that time on an approval.
   */
  waitCountedFrom: z.optional(z.string()),
  /**
   * The pod to make for a `queued` job, when not the one named after the job: the reconciler makes a
   * replacement under the broken pod's name, which may have been made for another job.
   */
  podName: z.optional(z.string().check(z.regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/))),
  /** With `rerun`: how the infrastructure ended the runner. */
  killedBy: z.optional(z.enum(INFRASTRUCTURE_KILL_REASONS)),
});

export type JobMessage = z.output<typeof jobMessageSchema>;

/** What a new message is made of: a job not yet run may leave out its runner and its start and end. */
export type NewJobMessage = Omit<
  JobMessage,
  | 'schemaVersion'
  | 'attempt'
  | 'failures'
  | 'replacements'
  | 'waitingChecks'
  | 'runnerName'
  | 'runnerId'
  | 'startedAt'
  | 'completedAt'
> &
  Partial<Pick<JobMessage, 'runnerName' | 'runnerId' | 'startedAt' | 'completedAt'>>;

/** A message as first queued, by the webhook or by the reconciler's stranded-job sweep: no counts yet. */
export function newJobMessage(fields: NewJobMessage): JobMessage {
  return {
    schemaVersion: JOB_MESSAGE_SCHEMA_VERSION,
    runnerName: null,
    runnerId: null,
    startedAt: null,
    completedAt: null,
    ...fields,
    attempt: 0,
    failures: 0,
    replacements: 0,
    waitingChecks: 0,
  };
}
