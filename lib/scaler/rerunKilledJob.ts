import type { JobMessage } from '../jobMessage.ts';
import type { RunRef, RunState } from '../ports.ts';
import { secondsBetween } from '../util/secondsBetween.ts';
import { done, type JobOutcome, retryLater } from './jobOutcome.ts';
import { runWaitDelaySeconds } from './retryDelay.ts';
import type { ScalerContext } from './scalerContext.ts';

/** How long a killed job waits for its run to complete before it is given up on. */
const MAX_RUN_WAIT_SECONDS = 24 * 60 * 60;
/** Conclusions of a job the infrastructure may have ended: a lost runner fails it, a signalled one cancels it. */
const ENDED_BADLY = new Set(['failure', 'cancelled', 'timed_out']);
/** How long after re-running a run's failed jobs the job looks for itself in the new attempt. */
const RERUN_CHECK_DELAY_SECONDS = 30;

/**
 * `rerun`: the infrastructure killed this job's runner, so the job failed through no fault of its
 * own. GitHub refuses a re-run while the job's workflow run is in progress, so the message waits
 * until the run completes. Then, unless the run was cancelled, the job is re-run alone when no other
 * job of its attempt failed; otherwise every failed job of the run is re-run at once, which takes in
 * all the jobs of the run that were hit (a matrix): GitHub allows one re-run at a time, and a job's
 * own re-run would leave the others of its attempt behind. A job that was left behind anyway (its
 * kill ended it `cancelled`, so another killed job was re-run alone, or that re-run's new attempt
 * had already finished when this job re-ran the failed jobs) is found by its name, absent from the
 * later attempts, and re-run alone in its turn: a job that re-ran the failed jobs looks again.
 */
export async function rerunKilledJob(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  const { reconciler } = context.config;
  const job = `job ${message.jobId} of run ${message.runId}`;
  if (message.runAttempt > reconciler.maxInfrastructureReruns)
    return done(
      `${job} is at attempt ${message.runAttempt}; maxInfrastructureReruns is ${reconciler.maxInfrastructureReruns}`,
    );
  const runRef: RunRef = { ...message };
  const run = await context.registry.readRun(runRef);
  if (run.status === 'absent') return done(`run ${message.runId} is gone`);
  const movedOn = run.attempt > message.runAttempt;
  const runJobs = movedOn || run.status === 'completed' ? await listAllRunJobs(message, context) : [];
  const own = runJobs.find((runJob) => runJob.id === message.jobId);
  if (movedOn) {
    const rerunIn = runJobs.find(
      (runJob) => runJob.name === own?.name && runJob.runAttempt > message.runAttempt,
    )?.runAttempt;
    // Without its own record, the job cannot be told apart from the others: taken as re-run.
    if (!own || rerunIn !== undefined)
      return done(`run ${message.runId} was re-run already, ${job} in attempt ${rerunIn ?? run.attempt}`);
  }
  if (run.status !== 'completed') {
    const waited = secondsBetween(message.createdAt, context.now().toISOString()) ?? 0;
    if (waited > MAX_RUN_WAIT_SECONDS)
      return done(`run ${message.runId} did not complete within a day; ${job} is not re-run`);
    return retryLater(`run ${message.runId} is still ${run.status}`, runWaitDelaySeconds(message.attempt));
  }
  if (run.conclusion === 'cancelled') return done(`run ${message.runId} was cancelled; ${job} is not re-run`);
  // A drained runner's preStop may have let the job finish: only a failed job is re-run.
  if (own?.conclusion && !ENDED_BADLY.has(own.conclusion))
    return done(`${job} ended ${own.conclusion}; not re-run`);

  // A job cancelled on its own (by hand, or by a concurrency group) is not taken for another one hit.
  // Once the run moved on without this job (another killed job was re-run alone, or this job's
  // re-run of the failed jobs came after a new attempt that left it out), this one goes alone.
  const failedJobs = movedOn
    ? []
    : runJobs.filter(
        (runJob) =>
          runJob.id !== message.jobId &&
          runJob.runAttempt === message.runAttempt &&
          runJob.conclusion === 'failure',
      );
  const alone = failedJobs.length === 0;
  const result = alone
    ? await context.registry.rerunJob(message)
    : await context.registry.rerunFailedJobs(runRef);
  const attributes = {
    jobId: message.jobId,
    runId: message.runId,
    killedBy: message.killedBy,
    otherFailedJobs: failedJobs.length,
  };
  if ('refused' in result && (await runMovedOnSince(run, runRef, context))) {
    // Another job's re-run started a new attempt after the run was read: GitHub refuses while it
    // runs, and the next look finds whether this job is in that attempt.
    return retryLater(`run ${message.runId} was re-run meanwhile`, runWaitDelaySeconds(message.attempt));
  }
  if ('refused' in result) {
    context.log.warn('GitHub refused to re-run a job the infrastructure killed', {
      ...attributes,
      reason: result.refused,
    });
    context.metrics.record('Errors', 1, { Kind: 'github' });
    return done(`GitHub refused to re-run ${job}: ${result.refused}`);
  }
  context.log.info('re-ran a job the infrastructure killed', { ...attributes, alone });
  context.metrics.record('JobReruns', 1, { RunnerClass: message.runnerClass });
  if (alone) return done(`re-ran ${job}`);
  // GitHub's 201 does not say which jobs it re-ran: had another killed job's re-run made and finished
  // a new attempt since the run was read, this one was not in it. The next look finds out.
  return retryLater(
    `re-ran the failed jobs of run ${message.runId}; looking again that ${job} was among them`,
    RERUN_CHECK_DELAY_SECONDS,
  );
}

/** Every execution of the run's jobs: a re-run job has a new ID but keeps its name. */
function listAllRunJobs(message: JobMessage, context: ScalerContext) {
  return context.registry.listRunJobs(message.installationId, message.repository, message.runId, 'all');
}

/** Whether the run is no longer the completed attempt it was read as. */
async function runMovedOnSince(run: RunState, runRef: RunRef, context: ScalerContext): Promise<boolean> {
  const now = await context.registry.readRun(runRef);
  return now.status !== 'completed' || now.attempt !== run.attempt;
}
