import type { JobMessage } from '../jobMessage.ts';

/** What became of one queued message. */
export type JobOutcome =
  | { kind: 'done'; result: string }
  /** Done, and another job's `queued` message goes on the queue: a job left without a runner. */
  | { kind: 'hand-over'; result: string; message: JobMessage }
  /** Put the message back on the queue after `delaySeconds`. `failure` counts towards giving up. */
  | { kind: 'retry'; reason: string; delaySeconds: number; failure: boolean }
  /** Park it in the dead-letter queue: retrying cannot help. */
  | { kind: 'failed'; reason: string };

export const done = (result: string): JobOutcome => ({ kind: 'done', result });
export const handOver = (result: string, message: JobMessage): JobOutcome => ({
  kind: 'hand-over',
  result,
  message,
});
export const failed = (reason: string): JobOutcome => ({ kind: 'failed', reason });
export const retryLater = (reason: string, delaySeconds: number, failure = false): JobOutcome => ({
  kind: 'retry',
  reason,
  delaySeconds,
  failure,
});
