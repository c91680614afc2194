import type { JobMessage } from '../jobMessage.ts';

/** What became of one queued message. */
export type JobOutcome =
  | { kind: 'done'; result: string }
  /**
   * Done, and more messages go on the queue: another job's `queued` (a job left without a runner),
   * or this job's `rerun` (its runner was killed by the infrastructure).
   */
  | { kind: 'hand-over'; result: string; messages: JobMessage[] }
  /** Put the message back on the queue after `delaySeconds`. `failure` counts towards giving up. */
  | { kind: 'retry'; reason: string; delaySeconds: number; failure: boolean }
  /** Park it in the dead-letter queue: retrying cannot help. */
  | { kind: 'failed'; reason: string };

export const done = (result: string): JobOutcome => ({ kind: 'done', result });
export const handOver = (result: string, ...messages: JobMessage[]): JobOutcome =>
  messages.length > 0 ? { kind: 'hand-over', result, messages } : { kind: 'done', result };
export const failed = (reason: string): JobOutcome => ({ kind: 'failed', reason });
export const retryLater = (reason: string, delaySeconds: number, failure = false): JobOutcome => ({
  kind: 'retry',
  reason,
  delaySeconds,
  failure,
});
