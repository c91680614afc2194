import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { sizedRunnerClass } from '../config/jobSizing.ts';
import { runnerClassForLabels } from '../config/runnerClassForLabels.ts';
import { JOB_ACTIONS, type JobAction, type JobMessage, newJobMessage } from '../jobMessage.ts';
import type { IgnoreReason } from '../telemetry/metricCatalog.ts';
import type { WorkflowJobEvent } from './workflowJobEvent.ts';

/** A message for the scaler, or why the delivery is not for us (`reason` as a metric, `ignore` for people). */
export type Route = { enqueue: JobMessage } | { ignore: string; reason: IgnoreReason };

/** Decides whether a `workflow_job` delivery concerns us, and if so, the message for the scaler. Pure. */
export function routeWorkflowJob(
  event: WorkflowJobEvent,
  delivery: { id: string; receivedAt: string },
  config: Pick<AutoscalerConfig, 'github' | 'runnerClasses'>,
): Route {
  const { workflow_job: job, repository } = event;
  if (!isJobAction(event.action)) return { ignore: `action ${event.action}`, reason: 'action' };
  if (!event.installation) {
    return { ignore: 'no installation: deliver this webhook from the GitHub App', reason: 'no-installation' };
  }

  const org = event.organization?.login ?? null;
  const { allowedOrgs, allowedRepositories } = config.github;
  const owner = org ?? repository.owner.login;
  if (allowedOrgs.length > 0 && !allowedOrgs.some((allowed) => sameName(allowed, owner))) {
    return { ignore: `organization ${owner} is not allowed`, reason: 'organization-not-allowed' };
  }
  if (
    allowedRepositories.length > 0 &&
    !allowedRepositories.some((allowed) => sameName(allowed, repository.full_name))
  ) {
    return { ignore: `repository ${repository.full_name} is not allowed`, reason: 'repository-not-allowed' };
  }
  const runnerClass = runnerClassForLabels(job.labels, config.runnerClasses);
  if (!runnerClass) {
    return { ignore: `no runner class serves labels [${job.labels.join(', ')}]`, reason: 'no-runner-class' };
  }
  const sized = sizedRunnerClass(runnerClass, job.labels);
  if ('refused' in sized) return { ignore: sized.refused, reason: 'job-size-not-allowed' };

  return {
    enqueue: newJobMessage({
      deliveryId: delivery.id,
      action: event.action,
      jobId: job.id,
      runId: job.run_id,
      runAttempt: job.run_attempt,
      repository: repository.full_name,
      org,
      installationId: event.installation.id,
      labels: job.labels,
      runnerName: job.runner_name ?? null,
      runnerId: job.runner_id ?? null,
      createdAt: job.created_at ?? job.started_at ?? delivery.receivedAt,
      startedAt: job.started_at ?? null,
      completedAt: job.completed_at ?? null,
      runnerClass: runnerClass.name,
    }),
  };
}

function isJobAction(action: string): action is JobAction {
  return (JOB_ACTIONS as readonly string[]).includes(action);
}

/** GitHub logins and repository names are case-insensitive. */
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
