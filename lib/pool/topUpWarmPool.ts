import { errorKind, errorMessage } from '../errors.ts';
import type { JobMessage } from '../jobMessage.ts';
import type { RunnerPod } from '../ports.ts';
import { findRunnerClass, type ScalerContext } from '../scaler/scalerContext.ts';
import { createWarmRunner } from './createWarmRunner.ts';
import { poolSizeAt } from './poolSizeAt.ts';
import { warmRunnerName } from './warmRunner.ts';

/**
 * A warm runner took this job (its first `in_progress`): its pool gets one more at once, named after
 * the job, so every delivery of that `in_progress` names the same one. It is the installation of the
 * job, which ran where the pool registers. Never throws: what it cannot make, the reconciler makes
 * within a minute.
 */
export async function topUpWarmPool(
  pod: RunnerPod,
  job: JobMessage,
  context: ScalerContext,
): Promise<string> {
  const runnerClass = findRunnerClass(context.config, pod.runnerClass);
  const pool = runnerClass?.pool;
  if (!runnerClass || !pool || poolSizeAt(pool, context.now()) === 0) return 'its pool is empty now';
  const name = warmRunnerName(runnerClass.name, job.jobId);
  try {
    const made = await createWarmRunner(name, { ...runnerClass, pool }, job.installationId, context);
    return made === 'created' ? `topped its pool up with ${name}` : `${name} not made (${made})`;
  } catch (error) {
    context.metrics.record('Errors', 1, { Kind: errorKind(error) });
    context.log.warn('could not top the warm pool up; the reconciler will', {
      podName: name,
      error: errorMessage(error),
    });
    return `${name} not made: ${errorMessage(error)}`;
  }
}
