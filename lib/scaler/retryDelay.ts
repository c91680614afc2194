/** SQS's longest message delay. */
const MAX_DELAY_SECONDS = 900;

/** Delay before the next look at a class that was full: 5 s, doubling, at most a minute. */
export function capacityRetryDelaySeconds(attempt: number): number {
  return Math.min(60, 5 * 2 ** attempt);
}

/**
 * Delay after an error: 5 s, doubling, at most a minute (a job waits for its runner meanwhile), and
 * never shorter than the other side asked.
 */
export function errorRetryDelaySeconds(failures: number, retryAfterSeconds = 0): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(retryAfterSeconds, Math.min(60, 5 * 2 ** failures)));
}

/**
 * Delay after GitHub rate-limited us: what it asked for (`retry-after`, or until the quota resets),
 * or a minute when it did not say, plus up to 10% jitter so held-back jobs do not return all at
 * once. It does not grow with the job's other returns (a full class, a registration under way).
 */
export function rateLimitRetryDelaySeconds(retryAfterSeconds = 60, random = Math.random): number {
  return Math.min(MAX_DELAY_SECONDS, Math.ceil(Math.max(1, retryAfterSeconds) * (1 + random() * 0.1)));
}

/** Delay before looking again whether a run is done, to re-run its killed job: 1 minute, doubling, at most 15. */
export function runWaitDelaySeconds(attempt: number): number {
  return Math.min(MAX_DELAY_SECONDS, 60 * 2 ** attempt);
}
