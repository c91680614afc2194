import type { RunnerClass } from '../config/autoscalerConfig.ts';
import { ANNOTATION } from '../pod/labels.ts';
import type { RunnerPod } from '../ports.ts';
import { STALE_REGISTRATION_SECONDS } from '../scaler/ensureRunnerPod.ts';
import type { DeletionReason } from '../telemetry/metricCatalog.ts';
import { poolSizeAt } from './poolSizeAt.ts';
import { warmRunnerName, warmRunnerOf } from './warmRunner.ts';

/** What the reconciler does about one class's warm pool. */
export type WarmPoolStep =
  /** Make a warm runner under this free name. */
  | { kind: 'create-warm'; name: string }
  /** GitHub calls this warm runner busy, and no `in_progress` said so: protect it, count it taken. */
  | { kind: 'mark-warm-taken'; pod: RunnerPod }
  /** Deregister it (GitHub refuses a busy runner), then remove it if unchanged since the listing. */
  | {
      kind: 'remove-warm';
      pod: RunnerPod;
      reason: Extract<DeletionReason, 'surplus' | 'failed-to-start' | 'finished'>;
    }
  /**
   * A registration left gated for a minute: finished if its Secret was stored (the release was
   * lost), else removed (its creator died before storing it).
   */
  | { kind: 'remove-abandoned-warm'; pod: RunnerPod };

export interface WarmPoolPlan {
  runnerClass: string;
  /** The pool size now (poolSizeAt), 0 for a class with no pool. */
  target: number;
  /** Warm runners that took no job, as far as we know, and are not being removed. */
  idle: number;
  steps: WarmPoolStep[];
}

/**
 * Keeps one class's pool at its size, from the runner pods and the names GitHub calls busy. Pure.
 * Only warm runners that took no job are counted or removed: one that took a job is a job's
 * runner from then on, and is never "a spare" here. Of the surplus, those not yet running go first,
 * then the newest; those still registering are left to finish. Broken warm runners (failed, not
 * running after `startTimeoutSeconds`, gated without a Secret for a minute) go and are made anew.
 */
export function planWarmPool(
  pods: readonly RunnerPod[],
  runnerClass: Pick<RunnerClass, 'name' | 'startTimeoutSeconds' | 'pool'>,
  busyRunnerNames: ReadonlySet<string>,
  now: Date,
): WarmPoolPlan {
  const target = runnerClass.pool ? poolSizeAt(runnerClass.pool, now) : 0;
  const steps: WarmPoolStep[] = [];
  const idle: RunnerPod[] = [];
  for (const pod of pods) {
    if (pod.runnerClass !== runnerClass.name || pod.deleting || !warmRunnerOf(pod)) continue;
    if (ANNOTATION.runningJobId in pod.annotations || pod.phase === 'Succeeded') continue;
    const ageSeconds = (now.getTime() - pod.createdAt.getTime()) / 1000;
    if (pod.phase === 'Failed') {
      const reason = ANNOTATION.warmTaken in pod.annotations ? 'finished' : 'failed-to-start';
      steps.push({ kind: 'remove-warm', pod, reason });
    } else if (ANNOTATION.warmTaken in pod.annotations) continue;
    else if (busyRunnerNames.has(pod.name)) steps.push({ kind: 'mark-warm-taken', pod });
    else if (pod.gated && ageSeconds > STALE_REGISTRATION_SECONDS)
      steps.push({ kind: 'remove-abandoned-warm', pod });
    else if (!pod.gated && pod.phase === 'Pending' && ageSeconds > runnerClass.startTimeoutSeconds)
      steps.push({ kind: 'remove-warm', pod, reason: 'failed-to-start' });
    else idle.push(pod);
  }
  if (idle.length < target) {
    const taken = new Set(pods.map(({ name }) => name));
    for (let n = 1, made = 0; made < target - idle.length; n += 1) {
      const name = warmRunnerName(runnerClass.name, n);
      if (taken.has(name)) continue;
      steps.push({ kind: 'create-warm', name });
      made += 1;
    }
  }
  const removable = idle
    .filter((pod) => !pod.gated)
    .sort(
      (a, b) =>
        Number(a.phase === 'Running') - Number(b.phase === 'Running') ||
        b.createdAt.getTime() - a.createdAt.getTime(),
    );
  for (const pod of removable.slice(0, Math.max(0, idle.length - target)))
    steps.push({ kind: 'remove-warm', pod, reason: 'surplus' });
  return { runnerClass: runnerClass.name, target, idle: idle.length, steps };
}
