import { errorMessage } from '../errors.ts';
import type { JobMessage } from '../jobMessage.ts';
import type { RunnerScope } from '../runners/runnerScope.ts';
import { done, type JobOutcome } from './jobOutcome.ts';
import type { ScalerContext } from './scalerContext.ts';

/**
 * For an organisation runner: when the runner group our runners join (`github.runnerGroupId`) may not
 * run the job's repository, the outcome that makes no runner. GitHub would keep the job queued and
 * never give it that runner, which would hold a place until replaced three times and parked in the
 * dead-letter queue. Nothing is lost: GitHub still queues the job, and once the group is opened to
 * the repository the stranded-job sweep queues it again. When GitHub cannot say, the runner is made.
 * Repository runners join no group. Undefined when a runner should be made.
 */
export async function runnerGroupClosed(
  message: JobMessage,
  scope: RunnerScope,
  context: Pick<ScalerContext, 'config' | 'registry' | 'log' | 'metrics'>,
): Promise<JobOutcome | undefined> {
  if (scope.kind !== 'org') return undefined;
  const { runnerGroupId } = context.config.github;
  const attributes = { jobId: message.jobId, repository: message.repository, org: scope.org, runnerGroupId };
  const open = await context.registry
    .runnerGroupOpenTo(message.installationId, scope.org, message.repository)
    .catch((error: unknown) => {
      context.log.warn('could not tell whether the runner group may run the repository; making the runner', {
        ...attributes,
        error: errorMessage(error),
      });
      return true;
    });
  if (open) return undefined;
  context.metrics.record('JobsNoRunnerGroupOpen', 1, { RunnerClass: message.runnerClass });
  context.log.warn('no runner made: the runner group may not run jobs of the repository', attributes);
  return done(
    `job ${message.jobId}: runner group ${runnerGroupId} of ${scope.org} may not run jobs of ` +
      `${message.repository}; no runner made (open the group to the repository, or set github.runnerGroupId)`,
  );
}
