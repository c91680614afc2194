import { z } from 'zod';

/** Bumped whenever a field changes meaning; the scaler refuses versions it does not know. */
export const JOB_MESSAGE_SCHEMA_VERSION = 1;

export const JOB_ACTIONS = ['queued', 'in_progress', 'completed'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

/** What the webhook puts on the queue for the scaler: one `workflow_job` delivery, already routed. */
export const jobMessageSchema = z.object({
  schemaVersion: z.literal(JOB_MESSAGE_SCHEMA_VERSION),
  /** GitHub's `X-GitHub-Delivery` GUID. */
  deliveryId: z.string().min(1),
  action: z.enum(JOB_ACTIONS),
  jobId: z.number().int().positive(),
  runId: z.number().int().positive(),
  runAttempt: z.number().int().positive(),
  /** `owner/name`. */
  repository: z.string().min(3),
  /** The organisation login, or null for a user-owned repository. */
  org: z.string().nullable(),
  installationId: z.number().int().positive(),
  labels: z.array(z.string()),
  runnerName: z.string().nullable(),
  runnerId: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  /** The runner class that serves the job's labels. */
  runnerClass: z.string().min(1),
  /** How many times the scaler has put this message back on the queue, for any reason. */
  attempt: z.number().int().min(0).default(0),
  /** How many of those were because of an error; after too many the message goes to the dead-letter queue. */
  failures: z.number().int().min(0).default(0),
});

export type JobMessage = z.infer<typeof jobMessageSchema>;
