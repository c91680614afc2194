import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import type { JobMessage } from '../jobMessage.ts';
import { rerunOfKilledJob } from '../pod/jobOfPod.ts';
import { ANNOTATION } from '../pod/labels.ts';
import type { Log, Metrics, RunnerCluster, RunnerPod } from '../ports.ts';
import type { InfrastructureKillReason } from '../telemetry/metricCatalog.ts';

/**
 * Counts and logs a runner that the infrastructure killed while it ran a job, marks the pod so the
 * kill is counted once, and gives the `rerun` message for that job, unless re-runs are turned off
 * (`maxInfrastructureReruns: 0`), the pod was not killed that way, or its re-run is queued already.
 * The scaler's `completed` and the reconciler may both meet the pod; the mark keeps it to one.
 * `queue` sends the message before the mark, so a failure in between costs a duplicate (which
 * rerunKilledJob lets go), never the re-run.
 */
export async function rerunForKilledRunner(
  pod: RunnerPod,
  ranJob: JobMessage | undefined,
  context: { config: AutoscalerConfig; cluster: RunnerCluster; log: Log; metrics: Metrics },
  queue: (rerun: JobMessage) => Promise<void>,
): Promise<JobMessage | undefined> {
  const rerun = rerunOfKilledJob(pod, ranJob);
  if (!pod.killedBy || !rerun) return undefined;
  // Kept while it terminated, before its job was known (see rememberKilledRunner).
  // Whoever claims it owns the re-run, even if the pod is gone by the mark (the reconciler kept
  // the record because it was removing the pod).
  const runnerId = Number(pod.annotations[ANNOTATION.runnerId]);
  const claimed = runnerId ? await context.cluster.claimKilledRunner(runnerId) : undefined;
  const rerunsOn = context.config.reconciler.maxInfrastructureReruns > 0;
  if (rerunsOn) await queue(rerun);
  const marked = await context.cluster.annotatePod(pod, { [ANNOTATION.rerunQueued]: 'true' });
  if (!marked && !claimed) return undefined;
  return killedJobRerun(
    rerun,
    { podName: pod.name, runnerClass: pod.runnerClass, killedBy: pod.killedBy },
    context,
  );
}

/**
 * How long a killed runner on which no job is known to have run is kept after its pod goes: GitHub
 * redelivers a lost `completed` when the reconciler asks, which it does for deliveries up to 30
 * minutes old, but most come within minutes.
 */
export const KILLED_RUNNER_KEPT_SECONDS = 15 * 60;

/**
 * Keeps a killed runner pod's runner, by its GitHub ID, before the pod goes, unless no job can have
 * run on it unannounced: it was not killed, it never registered, or a job's re-run is queued from it.
 * Registration-token runners have no ID, so a job that ran on one unannounced is not re-run.
 */
export async function rememberKilledRunner(
  pod: RunnerPod,
  context: { cluster: RunnerCluster; now: () => Date },
): Promise<void> {
  const runnerId = Number(pod.annotations[ANNOTATION.runnerId]);
  if (!pod.killedBy || !runnerId || ANNOTATION.rerunQueued in pod.annotations) return;
  await context.cluster.rememberKilledRunner({
    runnerId,
    podName: pod.name,
    runnerClass: pod.runnerClass,
    killedBy: pod.killedBy,
    keptAt: context.now().toISOString(),
  });
}

/** Counts and logs the kill, and gives the job's `rerun` message unless re-runs are turned off. */
export function killedJobRerun(
  rerun: JobMessage,
  runner: { podName: string; runnerClass: string; killedBy: InfrastructureKillReason },
  context: { config: AutoscalerConfig; log: Log; metrics: Metrics },
): JobMessage | undefined {
  context.metrics.record('InfrastructureKills', 1, {
    RunnerClass: runner.runnerClass,
    Reason: runner.killedBy,
  });
  const rerunsOn = context.config.reconciler.maxInfrastructureReruns > 0;
  context.log.warn('the infrastructure killed a runner while it ran a job', {
    podName: runner.podName,
    killedBy: runner.killedBy,
    jobId: rerun.jobId,
    runId: rerun.runId,
    rerun: rerunsOn ? 'once its run completes' : 'off',
  });
  return rerunsOn ? { ...rerun, killedBy: runner.killedBy } : undefined;
}
