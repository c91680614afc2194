import { AutoscalerError, errorKind, errorMessage, isRetryable } from '../errors.ts';
import type { JobMessage } from '../jobMessage.ts';
import { settleBeforeDeadline } from '../util/deadline.ts';
import { ensureRunnerPod } from './ensureRunnerPod.ts';
import { failed, type JobOutcome, retryLater } from './jobOutcome.ts';
import { recordDeadlinePassed } from './recordDeadline.ts';
import { recordRunnerTookJob } from './recordRunnerTookJob.ts';
import { removeRunnerAfterJob } from './removeRunnerAfterJob.ts';
import { rerunKilledJob } from './rerunKilledJob.ts';
import { errorRetryDelaySeconds, rateLimitRetryDelaySeconds } from './retryDelay.ts';
import type { ScalerContext } from './scalerContext.ts';

/** After this many errors in a row on one message (about 12 minutes of them) it goes to the dead-letter queue. */
export const MAX_FAILURES = 16;

/**
 * Acts on one job message and says what should become of it. Errors become retries or failures,
 * never throws; so does the batch's deadline passing first, which leaves the work unfinished.
 */
export async function handleJobMessage(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  try {
    return await settleBeforeDeadline(context.deadline, actOn(message, context), recordDeadlinePassed);
  } catch (error) {
    context.metrics.record('Errors', 1, { Kind: errorKind(error) });
    return outcomeOfError(error, message);
  }
}

function actOn(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  switch (message.action) {
    case 'queued':
      return ensureRunnerPod(message, context);
    case 'in_progress':
      return recordRunnerTookJob(message, context);
    case 'completed':
      return removeRunnerAfterJob(message, context);
    case 'rerun':
      return rerunKilledJob(message, context);
  }
}

function outcomeOfError(error: unknown, message: JobMessage): JobOutcome {
  const reason = errorMessage(error);
  if (!isRetryable(error)) return failed(reason);
  const retryAfter = error instanceof AutoscalerError ? error.retryAfterSeconds : undefined;
  // GitHub pushing back is not the job's fault: it waits in the queue as long as it takes.
  if (errorKind(error) === 'github-rate-limit') {
    return retryLater(reason, rateLimitRetryDelaySeconds(retryAfter), false);
  }
  if (message.failures + 1 >= MAX_FAILURES)
    return failed(`gave up after ${MAX_FAILURES} errors; last: ${reason}`);
  return retryLater(reason, errorRetryDelaySeconds(message.failures, retryAfter), true);
}
