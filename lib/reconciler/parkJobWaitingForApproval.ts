import type { JobMessage } from '../jobMessage.ts';
import { parkWaitingJob } from '../runners/parkWaitingJob.ts';
import type { ReconcilerContext, ReconcileSummary } from './reconcileRunners.ts';

/**
 * Puts a job that GitHub holds for an approval back on the queue, to be looked at again later (see
 * parkWaitingJob), before the runner made for it goes: a crash in between costs a duplicate look,
 * never the job. Past `waitingJobMaxHours` it is let go, logged.
 */
export async function parkJobWaitingForApproval(
  job: JobMessage,
  context: Pick<ReconcilerContext, 'config' | 'queue' | 'log' | 'metrics' | 'now'>,
  summary: Pick<ReconcileSummary, 'parkedForApproval'>,
): Promise<void> {
  const attributes = { jobId: job.jobId, deliveryId: job.deliveryId, runnerClass: job.runnerClass };
  const parked = parkWaitingJob(job, context.config.reconciler, context.now());
  if (!parked) {
    context.log.warn('a job still waits for an approval after waitingJobMaxHours; no longer looked at', {
      ...attributes,
      queuedAt: job.createdAt,
    });
    return;
  }
  await context.queue.send(parked.message, { delaySeconds: parked.delaySeconds });
  summary.parkedForApproval += 1;
  context.metrics.record('JobsWaitingForApproval', 1, { RunnerClass: job.runnerClass });
  context.log.info('parked a job waiting for an approval, without a runner', {
    ...attributes,
    delaySeconds: parked.delaySeconds,
  });
}
