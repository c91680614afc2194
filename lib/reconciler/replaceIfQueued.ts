import { jobOfPod } from '../pod/jobOfPod.ts';
import type { RunnerPod } from '../ports.ts';
import { rememberKilledRunner } from '../runners/infrastructureKills.ts';
import { removeRunnerPod } from '../runners/removeRunnerPod.ts';
import { parkJobWaitingForApproval } from './parkJobWaitingForApproval.ts';
import { jobWhoseRunnerItTook, planReplacement, type ReplacementReads } from './planReplacement.ts';
import { queueRerunOfKilledJob } from './queueRerunOfKilledJob.ts';
import type { ReconcilerContext, ReconcileSummary } from './reconcileRunners.ts';

/**
 * A runner pod that failed before taking a job, or did not start in time, goes, and is replaced if
 * GitHub still queues the job it stood for (planReplacement decides, on what GitHub says). A job
 * GitHub holds for an approval needs no runner yet: it is put back to be looked at again instead, and
 * counts no replacement. One the infrastructure killed may have run a job unannounced: GitHub's job
 * record may name it, or else it is kept as a killed runner for that job's `completed` (see
 * rememberKilledRunner).
 */
export async function replaceIfQueued(
  pod: RunnerPod,
  why: string,
  pods: readonly RunnerPod[],
  context: ReconcilerContext,
  summary: ReconcileSummary,
) {
  const { config, queue, log, metrics, registry } = context;
  const job = jobOfPod(pod);
  if (!job) {
    if (await removeRunnerPod(context, pod, 'failed-to-start')) summary.removedUnstarted += 1;
    log.error('removed a runner pod that could not start and names no job', { podName: pod.name, why });
    return;
  }
  const own = await registry.readJob(job);
  const classNames = config.runnerClasses.map(({ name }) => name);
  const takenJob = jobWhoseRunnerItTook(job, own, pod, pods, classNames);
  const reads: ReplacementReads = {
    own,
    taken: takenJob && { job: takenJob, status: (await registry.readJob(takenJob)).status },
  };
  const plan = planReplacement(job, pod, reads, why, config.reconciler.maxReplacements);
  if (plan.kind === 'rerun-killed') return queueRerunOfKilledJob(pod, job, context, summary);
  await rememberKilledRunner(pod, context);
  const jobLog = (replaced: typeof job) => ({
    jobId: replaced.jobId,
    deliveryId: replaced.deliveryId,
    podName: pod.name,
    runnerClass: replaced.runnerClass,
    why,
  });
  if (plan.kind === 'park')
    await parkJobWaitingForApproval({ ...plan.job, podName: pod.name }, context, summary);
  if (plan.kind === 'give-up') {
    await queue.sendToDeadLetter(JSON.stringify(plan.job), plan.reason);
    summary.gaveUp += 1;
    log.error('gave up replacing the runner of a job', jobLog(plan.job));
  }
  if (plan.kind === 'replace') {
    await queue.send(plan.job, { delaySeconds: plan.delaySeconds });
    summary.replaced += 1;
    metrics.record('RunnerReplacements', 1, { RunnerClass: plan.job.runnerClass });
    log.warn('replacing a runner pod that could not start', jobLog(plan.job));
  }
  // As seen: a pod that started and took a job meanwhile stays; its replacement becomes a spare.
  const unchangedSince = pod.resourceVersion;
  const replacing = plan.kind === 'replace' || plan.kind === 'give-up';
  if ((await removeRunnerPod(context, pod, 'failed-to-start', { unchangedSince })) && !replacing)
    summary.removedUnstarted += 1;
}
