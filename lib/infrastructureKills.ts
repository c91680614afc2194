import type { AutoscalerConfig } from './config/autoscalerConfig.ts';
import type { JobMessage } from './jobMessage.ts';
import { rerunOfKilledJob } from './pod/jobOfPod.ts';
import { ANNOTATION } from './pod/labels.ts';
import type { Log, Metrics, RunnerCluster, RunnerPod } from './ports.ts';
import type { InfrastructureKillReason } from './telemetry/metricCatalog.ts';

/**
 * Counts and logs a runner that the infrastructure killed while it ran a job, marks the pod so the
 * kill is counted once, and gives the `rerun` message for that job, unless re-runs are turned off
 * (`maxInfrastructureReruns: 0`), the pod was not killed that way, or its re-run is queued already.
 * The scaler's `completed` and the reconciler may both meet the pod; the mark keeps it to one.
 */
export async function rerunForKilledRunner(
  pod: RunnerPod,
  ranJob: JobMessage | undefined,
  context: { config: AutoscalerConfig; cluster: RunnerCluster; log: Log; metrics: Metrics },
): Promise<JobMessage | undefined> {
  const rerun = rerunOfKilledJob(pod, ranJob);
  if (!pod.killedBy || !rerun) return undefined;
  if (!(await context.cluster.annotatePod(pod, { [ANNOTATION.rerunQueued]: 'true' }))) return undefined;
  return killedJobRerun(
    rerun,
    { name: pod.name, runnerClass: pod.runnerClass, killedBy: pod.killedBy },
    context,
  );
}

/** Counts and logs the kill, and gives the job's `rerun` message unless re-runs are turned off. */
export function killedJobRerun(
  rerun: JobMessage,
  runner: { name: string; runnerClass: string; killedBy: InfrastructureKillReason },
  context: { config: AutoscalerConfig; log: Log; metrics: Metrics },
): JobMessage | undefined {
  context.metrics.record('InfrastructureKills', 1, {
    RunnerClass: runner.runnerClass,
    Reason: runner.killedBy,
  });
  const rerunsOn = context.config.reconciler.maxInfrastructureReruns > 0;
  context.log.warn('the infrastructure killed a runner while it ran a job', {
    podName: runner.name,
    killedBy: runner.killedBy,
    jobId: rerun.jobId,
    runId: rerun.runId,
    rerun: rerunsOn ? 'once its run completes' : 'off',
  });
  return rerunsOn ? { ...rerun, killedBy: runner.killedBy } : undefined;
}
