import { errorMessage } from '../errors.ts';
import { type JobMessage, jobMessageSchema } from '../jobMessage.ts';
import { runnerPodNameOf } from '../pod/runnerNames.ts';
import type { JobQueue } from '../ports.ts';
import { logWithAttributes } from '../util/logWithAttributes.ts';
import { secondsBetween } from '../util/secondsBetween.ts';
import { isLateQueued } from './ensureRunnerPod.ts';
import { handleJobMessage } from './handleJobMessage.ts';
import { failed, type JobOutcome } from './jobOutcome.ts';
import type { ScalerContext } from './scalerContext.ts';

/**
 * Takes one queue record from body to settled: handled, put back on the queue with a delay, or parked
 * in the dead-letter queue with its reason. It throws only when the queue itself fails, so the caller
 * reports that record as a batch item failure and SQS delivers it again.
 */
export async function processJobRecord(
  body: string,
  batch: Omit<ScalerContext, 'queue'>,
  queue: JobQueue,
): Promise<JobOutcome> {
  const context: ScalerContext = { ...batch, queue };
  const message = parseJobMessage(body);
  if (typeof message === 'string') {
    context.log.error('job message rejected', { reason: message });
    context.metrics.record('Errors', 1, { Kind: 'invalid-message' });
    await queue.sendToDeadLetter(body, message);
    return failed(message);
  }
  const log = logWithAttributes(context.log, {
    jobId: message.jobId,
    deliveryId: message.deliveryId,
    action: message.action,
    runnerClass: message.runnerClass,
    podName: runnerPodNameOf(message),
  });
  const outcome = await handleJobMessage(message, { ...context, log });
  switch (outcome.kind) {
    case 'hand-over':
      log.info('job message handled', { result: outcome.result });
      for (const handedOver of outcome.messages)
        await queue.send(handedOver, { delaySeconds: outcome.delaySeconds });
      break;
    case 'done':
      log.info('job message handled', { result: outcome.result });
      break;
    case 'retry':
      log.warn('job message retried later', { reason: outcome.reason, delaySeconds: outcome.delaySeconds });
      recordJobStillWaiting(message, context);
      await queue.send(
        {
          ...message,
          attempt: message.attempt + 1,
          // Errors count while they follow one another: any step that worked starts the count again.
          failures: outcome.failure ? message.failures + 1 : 0,
          ...(message.action === 'queued' && { waitCountedFrom: waitForRunnerCountedFrom(message, context) }),
        },
        { delaySeconds: outcome.delaySeconds },
      );
      break;
    case 'failed':
      log.error('job message failed', { reason: outcome.reason });
      await queue.sendToDeadLetter(body, outcome.reason);
      break;
  }
  return outcome;
}

/**
 * A job sent back to wait for its runner: how long it has waited for one so far. Each retry is a new
 * SQS message, so the queue's oldest-message age starts again and only this sees a job stuck for long.
 */
function recordJobStillWaiting(message: JobMessage, context: ScalerContext): void {
  if (message.action !== 'queued') return;
  const now = context.now().toISOString();
  const waitingSeconds = secondsBetween(waitForRunnerCountedFrom(message, context), now);
  if (waitingSeconds === undefined) return;
  context.metrics.record('JobWaitingSeconds', waitingSeconds, { RunnerClass: message.runnerClass });
}

/**
 * Since when a job has waited for a runner: since GitHub queued it, or, when its `queued` came late,
 * since the scaler first saw it: the time before may have gone on an approval, which is no wait for
 * a runner (the JobStillWaiting alarm reads this).
 */
function waitForRunnerCountedFrom(message: JobMessage, context: ScalerContext): string {
  const now = context.now();
  return message.waitCountedFrom ?? (isLateQueued(message, now) ? now.toISOString() : message.createdAt);
}

function parseJobMessage(body: string): JobMessage | string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return `not JSON: ${errorMessage(error)}`;
  }
  const result = jobMessageSchema.safeParse(value);
  if (result.success) return result.data;
  return `not a job message: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`;
}
