import type { RunnerClass } from '../config/autoscalerConfig.ts';
import { buildWarmRunnerPod } from '../pod/buildWarmRunnerPod.ts';
import { runnerRegistrationUrl } from '../runners/runnerScope.ts';
import type { CapacityGate } from '../scaler/capacityGate.ts';
import { registerRunner } from '../scaler/ensureRunnerPod.ts';
import type { ScalerContext } from '../scaler/scalerContext.ts';
import { poolScope } from './warmRunner.ts';

export type WarmRunnerContext = Pick<ScalerContext, 'cluster' | 'registry' | 'config' | 'log' | 'metrics'> & {
  capacity: Pick<CapacityGate, 'tryReserve'>;
};

/** What became of one warm runner asked for. */
export type WarmRunnerCreation = 'created' | 'exists' | 'class-full' | 'withdrawn';

/**
 * Makes one warm runner of the class's pool, the way a job's runner is made: a place reserved within
 * `maxRunners`, the pod created gated (a name taken already makes it a no-op), registered with the
 * class's labels, its registration in its Secret, then released. Errors are thrown, with the pod
 * rolled back when GitHub refused.
 */
export async function createWarmRunner(
  name: string,
  runnerClass: RunnerClass & { pool: NonNullable<RunnerClass['pool']> },
  installationId: number,
  context: WarmRunnerContext,
): Promise<WarmRunnerCreation> {
  const scope = poolScope(runnerClass.pool.scope);
  const pod = buildWarmRunnerPod(name, { installationId, scope }, runnerClass, {
    namespace: context.config.cluster.namespace,
    registrationMode: context.config.github.registrationMode,
    registrationUrl: runnerRegistrationUrl(context.config.github.apiUrl, scope),
  });
  if (!(await context.capacity.tryReserve(runnerClass, name))) return 'class-full';
  const creation = await context.cluster.createPod(pod);
  if ('exists' in creation) return 'exists';
  const outcome = await registerRunner(
    creation.created,
    { message: { installationId, runnerClass: runnerClass.name }, scope, labels: runnerClass.labels },
    context,
  );
  if (outcome.kind !== 'done' || outcome.result !== 'created') return 'withdrawn';
  context.log.info('warm runner created', { podName: name, runnerClass: runnerClass.name });
  return 'created';
}
