/** What became of one queued message. */
export type JobOutcome =
  | { kind: 'done'; result: string }
  /** Put the message back on the queue after `delaySeconds`. `failure` counts towards giving up. */
  | { kind: 'retry'; reason: string; delaySeconds: number; failure: boolean }
  /** Park it in the dead-letter queue: retrying cannot help. */
  | { kind: 'failed'; reason: string };

export const done = (result: string): JobOutcome => ({ kind: 'done', result });
export const failed = (reason: string): JobOutcome => ({ kind: 'failed', reason });
export const retryLater = (reason: string, delaySeconds: number, failure = false): JobOutcome => ({
  kind: 'retry',
  reason,
  delaySeconds,
  failure,
});
