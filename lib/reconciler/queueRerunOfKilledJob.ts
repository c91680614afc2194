import type { JobMessage } from '../jobMessage.ts';
import type { RunnerPod } from '../ports.ts';
import { rerunForKilledRunner } from '../runners/infrastructureKills.ts';
import { removeRunnerPod } from '../runners/removeRunnerPod.ts';
import type { ReconcilerContext, ReconcileSummary } from './reconcileRunners.ts';

/** A re-run waits at least this long: GitHub refuses it while the job's run is still in progress. */
const RUN_CHECK_DELAY_SECONDS = 60;

/**
 * A runner the infrastructure killed while it ran a job: its job is queued to be re-run once its
 * run completes (the scaler's rerunKilledJob then decides whether it still needs one), and the pod
 * goes, unless the API server is deleting it already (an eviction). The pod is read again first:
 * the scaler's `completed` for the job may have dealt with it since the pods were listed.
 */
export async function queueRerunOfKilledJob(
  pod: RunnerPod,
  ranJob: JobMessage | undefined,
  context: ReconcilerContext,
  summary: ReconcileSummary,
) {
  const current = await context.cluster.readPod(pod.name);
  if (current?.uid !== pod.uid) return;
  const rerun = await rerunForKilledRunner(current, ranJob, context, (message) =>
    context.queue.send(message, { delaySeconds: RUN_CHECK_DELAY_SECONDS }),
  );
  if (rerun) summary.queuedReruns += 1;
  if (!current.deleting && (await removeRunnerPod(context, current, 'finished')))
    summary.removedFinished += 1;
}
