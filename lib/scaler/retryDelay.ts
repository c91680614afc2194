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

/** Looks, a minute apart, at a run that is not done yet, before the wait starts to double. */
const RUN_CHECKS_EVERY_MINUTE = 10;

/**
 * Delay before looking again whether a run is done, to re-run its killed job: every minute for the
 * first ten minutes, in which most runs end, so the job is re-run within a minute of its run's end;
 * then doubling, at most 15 minutes. One GitHub call a look, and kills are rare.
 */
export function runWaitDelaySeconds(attempt: number): number {
  const doublings = Math.max(0, attempt - RUN_CHECKS_EVERY_MINUTE + 1);
  return Math.min(MAX_DELAY_SECONDS, 60 * 2 ** doublings);
}
