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

/**
 * Delay after GitHub rate-limited us: what it asked for, or 5 s doubling with every attempt up to
 * 5 minutes when it did not say, plus up to 10% jitter so held-back jobs do not return all at once.
 */
export function rateLimitRetryDelaySeconds(
  attempt: number,
  retryAfterSeconds = 0,
  random = Math.random,
): number {
  const base = Math.max(retryAfterSeconds, Math.min(300, 5 * 2 ** attempt));
  return Math.min(MAX_DELAY_SECONDS, Math.ceil(base * (1 + random() * 0.1)));
}
