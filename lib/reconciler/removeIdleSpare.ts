import type { JobMessage } from '../jobMessage.ts';
import {
  isProtectedFromDisruption,
  OPEN_TO_DISRUPTION,
  PROTECTED_FROM_DISRUPTION,
} from '../pod/disruption.ts';
import { jobOfPod } from '../pod/jobOfPod.ts';
import { ANNOTATION } from '../pod/labels.ts';
import type { RunnerPod } from '../ports.ts';
import { removeRunnerPod } from '../runners/removeRunnerPod.ts';
import { type RunnerScope, runnerScopeForJob } from '../runners/runnerScope.ts';
import { parkJobWaitingForApproval } from './parkJobWaitingForApproval.ts';
import type { ReconcilerContext, ReconcileSummary } from './reconcileRunners.ts';

/**
 * A runner that took no job for `idleRunnerSeconds` is a spare once its own job no longer waits:
 * GitHub hands an idle runner to any queued job of its labels within seconds. It is deregistered
 * before its pod goes: GitHub refuses that for a busy runner, and gives a deregistered one no job,
 * so a runner that takes a job at the last moment is never removed.
 *
 * A runner whose own job GitHub holds for an approval goes the same way, once the job is put back to
 * be looked at again (see parkJobWaitingForApproval): an approval can take days, and the runner
 * would hold its class's place all that time.
 *
 * So does one whose own job GitHub queues, but would never give it: its runner group may not run the
 * job's repository (the group was changed after the pod was made, say).
 *
 * While GitHub still queues its own job (a concurrency group holds it, say), the runner stays, but is
 * opened to the node autoscaler, so an idle runner does not keep a node alive, unless GitHub calls it
 * busy; the `in_progress` that names it protects it again. A runner GitHub calls busy is protected at
 * once.
 */
export async function removeIdleSpare(
  pod: RunnerPod,
  context: ReconcilerContext,
  summary: ReconcileSummary,
): Promise<void> {
  const job = jobOfPod(pod);
  if (!job) return;
  const { status } = await context.registry.readJob(job);
  const runnerId = pod.annotations[ANNOTATION.runnerId];
  const runner = {
    installationId: job.installationId,
    scope: runnerScopeForJob(job, context.config.github),
    name: pod.name,
    id: runnerId ? Number(runnerId) : undefined,
  };
  const neverItsRunner = status === 'queued' && !(await runnerGroupMayRun(job, runner.scope, context));
  if ((status === 'queued' && !neverItsRunner) || status === 'in_progress') {
    // Opened only while it waits for its own job; one kept for a job whose runner was taken
    // (its own ran elsewhere) is about to take a job. GitHub is asked first: the in_progress of a
    // job this runner took may be lost, or still on its way.
    if (status !== 'queued' || !isProtectedFromDisruption(pod.annotations)) return;
    if (await context.registry.isBusy(runner)) return;
    if (await context.cluster.annotatePod(pod, OPEN_TO_DISRUPTION)) summary.openedToDisruption += 1;
    context.log.info('opened an idle runner to disruption', { podName: pod.name, podUid: pod.uid });
    return;
  }
  const waiting = status === 'waiting';
  // Under this pod's name, which it frees, as a replacement is: a pod under the job's own name may
  // be another job's runner.
  if (waiting) await parkJobWaitingForApproval({ ...job, podName: pod.name }, context, summary);
  if (!(await context.registry.deregister(runner))) {
    if (!isProtectedFromDisruption(pod.annotations))
      await context.cluster.annotatePod(pod, PROTECTED_FROM_DISRUPTION);
    return;
  }
  const removed = await removeRunnerPod(context, pod, waiting ? 'waiting-for-approval' : 'surplus', {
    unchangedSince: pod.resourceVersion,
  });
  if (removed && !waiting) summary.removedSpares += 1;
  if (removed && neverItsRunner) {
    context.metrics.record('JobsNoRunnerGroupOpen', 1, { RunnerClass: job.runnerClass });
    context.log.warn('removed an idle runner whose job the runner group may not run', {
      podName: pod.name,
      jobId: job.jobId,
      repository: job.repository,
    });
  }
}

/**
 * Whether GitHub may give the job this runner at all: an organisation runner only serves the
 * repositories its runner group is open to (see runnerGroupClosed). When GitHub cannot say, it may.
 */
async function runnerGroupMayRun(
  job: JobMessage,
  scope: RunnerScope,
  context: Pick<ReconcilerContext, 'registry'>,
): Promise<boolean> {
  if (scope.kind !== 'org') return true;
  return context.registry.runnerGroupOpenTo(job.installationId, scope.org, job.repository).catch(() => true);
}
