import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface WorkflowJobExample {
  action: string;
  workflow_job: {
    id: number;
    labels: string[];
    runner_name: string | null;
    created_at?: string;
    started_at?: string | null;
  };
  installation?: { id: number };
  organization?: { login: string };
  repository: { full_name: string; owner: { login: string } };
}

/** GitHub's own `workflow_job` example payloads, from @octokit/webhooks-examples. */
export function workflowJobExamples(): WorkflowJobExample[] {
  const all = require('@octokit/webhooks-examples/api.github.com/index.json') as {
    name: string;
    examples: WorkflowJobExample[];
  }[];
  const workflowJob = all.find((entry) => entry.name === 'workflow_job');
  if (!workflowJob) throw new Error('no workflow_job examples in @octokit/webhooks-examples');
  return workflowJob.examples;
}
