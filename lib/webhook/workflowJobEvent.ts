import * as z from 'zod/mini';

/** The fields of a `workflow_job` delivery the autoscaler reads; GitHub sends many more. */
export const workflowJobEventSchema = z.object({
  action: z.string(),
  workflow_job: z.object({
    id: z.int().check(z.positive()),
    run_id: z.int().check(z.positive()),
    /** Older GitHub Enterprise Server releases do not send it. */
    run_attempt: z._default(z.int().check(z.positive()), 1),
    labels: z.array(z.string()),
    runner_id: z.optional(z.nullable(z.int())),
    runner_name: z.optional(z.nullable(z.string())),
    /** Older GitHub Enterprise Server releases do not send it. */
    created_at: z.optional(z.string()),
    started_at: z.optional(z.nullable(z.string())),
    completed_at: z.optional(z.nullable(z.string())),
  }),
  repository: z.object({ full_name: z.string(), owner: z.object({ login: z.string() }) }),
  organization: z.optional(z.object({ login: z.string() })),
  installation: z.optional(z.object({ id: z.int().check(z.positive()) })),
});

export type WorkflowJobEvent = z.output<typeof workflowJobEventSchema>;
