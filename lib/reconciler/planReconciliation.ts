import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { warmRunnerOf } from '../pool/warmRunner.ts';
import type { RunnerPod } from '../ports.ts';

/** What the reconciler does about one runner pod. */
export type ReconcileStep =
  /** The runner is done (Succeeded, or Failed after it took a job): remove the pod and its Secret. */
  | { kind: 'remove-finished'; pod: RunnerPod }
  /** The infrastructure killed it after it took a job: queue the job's re-run, then remove the pod. */
  | { kind: 'rerun-killed'; pod: RunnerPod }
  /** An eviction ends it, and no job is known to have run on it: keep its runner (rememberKilledRunner). */
  | { kind: 'remember-killed'; pod: RunnerPod }
  /** It failed before taking a job, or did not start in time: replace it if GitHub still queues the job. */
  | { kind: 'replace-if-queued'; pod: RunnerPod; why: string }
  /** It has run for a while without taking a job: remove it if GitHub says it is an idle spare. */
  | { kind: 'remove-if-spare'; pod: RunnerPod };

/**
 * Decides, from the runner pods alone, which need the reconciler: finished pods first (they cost no
 * GitHub call), then the others, oldest first. Pure. Pods being deleted are left alone, except for
 * what tells later that the infrastructure killed them, and pods still registering too, until the
 * start timeout.
 */
export function planReconciliation(
  pods: readonly RunnerPod[],
  config: Pick<AutoscalerConfig, 'runnerClasses' | 'reconciler'>,
  now: Date,
): ReconcileStep[] {
  const startTimeouts = new Map(
    config.runnerClasses.map((runnerClass) => [runnerClass.name, runnerClass.startTimeoutSeconds]),
  );
  const finished: ReconcileStep[] = [];
  const checks: ReconcileStep[] = [];
  for (const pod of [...pods].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
    const startTimeout = startTimeouts.get(pod.runnerClass);
    if (startTimeout === undefined) continue;
    const tookJob = ANNOTATION.runningJobId in pod.annotations;
    const killedInJob = pod.killedBy !== undefined && tookJob && !(ANNOTATION.rerunQueued in pod.annotations);
    // An evicted runner terminates for a while (its preStop lets the job finish): its re-run is
    // queued while it does, since once it is gone nothing tells what killed it.
    if (killedInJob && (pod.deleting || pod.phase === 'Failed')) {
      finished.push({ kind: 'rerun-killed', pod });
      continue;
    }
    if (pod.deleting && pod.killedBy && !tookJob) finished.push({ kind: 'remember-killed', pod });
    if (pod.deleting) continue;
    // A warm runner no in_progress named is its pool's (planWarmPool), never a spare; finished, it goes.
    if (warmRunnerOf(pod) && !tookJob && pod.phase !== 'Succeeded') continue;
    const ageSeconds = (now.getTime() - pod.createdAt.getTime()) / 1000;
    if (pod.gated) {
      // The scaler finishes or replaces a registration when the job's message comes back; one
      // still gated after the start timeout has no message coming.
      if (ageSeconds > startTimeout)
        checks.push({ kind: 'replace-if-queued', pod, why: 'its registration never finished' });
    } else if (pod.phase === 'Succeeded' || (pod.phase === 'Failed' && tookJob)) {
      finished.push({ kind: 'remove-finished', pod });
    } else if (pod.phase === 'Failed') {
      checks.push({
        kind: 'replace-if-queued',
        pod,
        why: `failed before taking a job (${pod.problem ?? 'failed'})`,
      });
    } else if (pod.phase === 'Pending' && ageSeconds > startTimeout) {
      checks.push({
        kind: 'replace-if-queued',
        pod,
        why: `not running after ${Math.round(ageSeconds)} s (${pod.problem ?? 'still pending'})`,
      });
    } else if (pod.phase === 'Running' && !tookJob && ageSeconds > config.reconciler.idleRunnerSeconds) {
      checks.push({ kind: 'remove-if-spare', pod });
    }
  }
  return [...finished, ...checks];
}
