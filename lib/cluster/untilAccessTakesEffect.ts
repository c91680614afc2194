import type { Log } from '../ports.ts';
import { ClusterUnreachableError } from './clusterUnreachable.ts';

/**
 * How long the API server may refuse the prerequisites function (401, 403) before the refusal is
 * taken as final. The deploy makes the function's EKS access entry (and its access policy) just
 * before the custom resource runs, and EKS takes seconds to apply them, sometimes tens of seconds.
 */
export const ACCESS_TAKES_EFFECT_MS = 120_000;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 10_000;

/** The clock the wait runs on; timers in Lambda, a fake in tests. */
export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const TIMER_CLOCK: WaitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The attempt's result, trying again (1 s, doubling up to 10 s apart) while the cluster does not know
 * or allow this identity, for at most ACCESS_TAKES_EFFECT_MS. Past that, it rejects with the last
 * refusal, saying how long it waited. Every other error is the attempt's own, at once.
 */
export async function untilAccessTakesEffect<T>(
  attempt: () => Promise<T>,
  { clock, log }: { clock: WaitClock; log: Log },
): Promise<T> {
  const startedAt = clock.now();
  for (let delayMs = FIRST_DELAY_MS, tries = 1; ; delayMs = Math.min(MAX_DELAY_MS, delayMs * 2), tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!isAccessRefusal(error)) throw error;
      const waitedMs = clock.now() - startedAt;
      if (waitedMs + delayMs > ACCESS_TAKES_EFFECT_MS) {
        throw new ClusterUnreachableError(
          error.because,
          `${error.message}; still refused after ${tries} tries over ${Math.round(waitedMs / 1000)} s, longer than an EKS access entry takes to apply`,
          { cause: error },
        );
      }
      log.info('the cluster refuses the prerequisites function still; its access entry may not apply yet', {
        because: error.because,
        waitedSeconds: Math.round(waitedMs / 1000),
        retryInMs: delayMs,
      });
      await clock.sleep(delayMs);
    }
  }
}

function isAccessRefusal(error: unknown): error is ClusterUnreachableError {
  return (
    error instanceof ClusterUnreachableError &&
    (error.because === 'identity-unknown' || error.because === 'forbidden')
  );
}
