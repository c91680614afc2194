import type { JobMessage } from '../jobMessage.ts';
import type { ParkedJob } from '../runners/parkWaitingJob.ts';

/** What became of one queued message. */
export type JobOutcome =
  | { kind: 'done'; result: string }
  /**
   * Done, and more messages go on the queue, after `delaySeconds` when given: another job's `queued`
   * (a job left without a runner), this job's `rerun` (its runner was killed by the infrastructure),
   * or its `queued` to be looked at again (GitHub holds it for an approval).
   */
  | { kind: 'hand-over'; result: string; messages: JobMessage[]; delaySeconds?: number }
  /** Put the message back on the queue after `delaySeconds`. `failure` counts towards giving up. */
  | { kind: 'retry'; reason: string; delaySeconds: number; failure: boolean }
  /** Park it in the dead-letter queue: retrying cannot help. */
  | { kind: 'failed'; reason: string };

export const done = (result: string): JobOutcome => ({ kind: 'done', result });
export const handOver = (result: string, ...messages: JobMessage[]): JobOutcome =>
  messages.length > 0 ? { kind: 'hand-over', result, messages } : { kind: 'done', result };
export const handOverLater = (result: string, { message, delaySeconds }: ParkedJob): JobOutcome => ({
  kind: 'hand-over',
  result,
  messages: [message],
  delaySeconds,
});
export const failed = (reason: string): JobOutcome => ({ kind: 'failed', reason });
export const retryLater = (reason: string, delaySeconds: number, failure = false): JobOutcome => ({
  kind: 'retry',
  reason,
  delaySeconds,
  failure,
});
