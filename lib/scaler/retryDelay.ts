/** SQS's longest message delay. */
const MAX_DELAY_SECONDS = 900;

/** Delay before the next look at a class that was full: 5 s, doubling, at most a minute. */
export function capacityRetryDelaySeconds(attempt: number): number {
  return Math.min(60, 5 * 2 ** attempt);
}

/** Delay after an error: 5 s, doubling, at most 5 minutes, and never shorter than the other side asked. */
export function errorRetryDelaySeconds(failures: number, retryAfterSeconds = 0): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(retryAfterSeconds, Math.min(300, 5 * 2 ** failures)));
}
