import type { ReconcilerSettings } from '../config/autoscalerConfig.ts';
import type { JobMessage } from '../jobMessage.ts';
import { secondsBetween } from '../util/secondsBetween.ts';

/** The first look again at a job found waiting for an approval; each later one waits twice as long. */
export const FIRST_WAITING_RECHECK_SECONDS = 60;

/** A waiting job's `queued`, to be put back on the queue with this delay. */
export interface ParkedJob {
  message: JobMessage;
  delaySeconds: number;
}

/**
 * A job that GitHub holds for an approval (status `waiting`) holds no runner, and GitHub may never
 * tell us when the hold ends, so its `queued` is put back to be read again: after a minute, then
 * twice as long each time up to `waitingJobRecheckMaxSeconds`. It comes back as a first delivery
 * (attempt 0) long after GitHub queued the job, which the scaler reads from GitHub before it makes a
 * runner (see ensureRunnerPod). Undefined once the job has waited `waitingJobMaxHours`. Pure.
 */
export function parkWaitingJob(
  job: JobMessage,
  settings: Pick<ReconcilerSettings, 'waitingJobRecheckMaxSeconds' | 'waitingJobMaxHours'>,
  now: Date,
): ParkedJob | undefined {
  const waitedSeconds = secondsBetween(job.createdAt, now.toISOString()) ?? 0;
  if (waitedSeconds >= settings.waitingJobMaxHours * 3600) return undefined;
  const { waitCountedFrom: _notYetWaitingForARunner, ...rest } = job;
  return {
    message: { ...rest, action: 'queued', attempt: 0, failures: 0, waitingChecks: job.waitingChecks + 1 },
    delaySeconds: Math.min(
      settings.waitingJobRecheckMaxSeconds,
      FIRST_WAITING_RECHECK_SECONDS * 2 ** job.waitingChecks,
    ),
  };
}
