import { z } from 'zod';

/** The fields of a `workflow_job` delivery the autoscaler reads; GitHub sends many more. */
export const workflowJobEventSchema = z.object({
  action: z.string(),
  workflow_job: z.object({
    id: z.number().int().positive(),
    run_id: z.number().int().positive(),
    /** Older GitHub Enterprise Server releases do not send it. */
    run_attempt: z.number().int().positive().default(1),
    labels: z.array(z.string()),
    runner_id: z.number().int().nullable().optional(),
    runner_name: z.string().nullable().optional(),
    /** Older GitHub Enterprise Server releases do not send it. */
    created_at: z.string().optional(),
    started_at: z.string().nullable().optional(),
    completed_at: z.string().nullable().optional(),
  }),
  repository: z.object({ full_name: z.string(), owner: z.object({ login: z.string() }) }),
  organization: z.object({ login: z.string() }).optional(),
  installation: z.object({ id: z.number().int().positive() }).optional(),
});

export type WorkflowJobEvent = z.infer<typeof workflowJobEventSchema>;
