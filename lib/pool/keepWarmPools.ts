import type { RunnerClass } from '../config/autoscalerConfig.ts';
import { errorKind, errorMessage } from '../errors.ts';
import { PROTECTED_FROM_DISRUPTION } from '../pod/disruption.ts';
import { ANNOTATION } from '../pod/labels.ts';
import type { RunnerPod } from '../ports.ts';
import type { ReconcilerContext } from '../reconciler/reconcileRunners.ts';
import { removeRunnerPod } from '../runners/removeRunnerPod.ts';
import { CapacityGate } from '../scaler/capacityGate.ts';
import { finishStoredRegistration } from '../scaler/ensureRunnerPod.ts';
import { createWarmRunner } from './createWarmRunner.ts';
import { planWarmPool, type WarmPoolStep } from './planWarmPool.ts';
import { isIdleWarmRunner, type WarmRunner, warmRunnerOf } from './warmRunner.ts';

/** Pages of 100 runners read per scope to learn which warm runners are busy. */
const MAX_RUNNER_PAGES = 3;

export interface WarmPoolSummary {
  warmRunnersCreated: number;
  warmRunnersRemoved: number;
  /** Warm runners GitHub called busy before any `in_progress` named them. */
  warmRunnersTaken: number;
}

/**
 * Keeps every class's warm pool at its size (planWarmPool), on the reconciler's listing of the pods,
 * within its GitHub budget. It first asks GitHub which warm runners are busy (one listing per scope),
 * so one that took a job whose `in_progress` is lost or late is topped up, and protected. A warm
 * runner is removed only after GitHub agreed to deregister it, and only while unchanged since the
 * listing. Warm runners are made through the scaler's own path, within `maxRunners`.
 */
export async function keepWarmPools(
  context: ReconcilerContext,
  pods: readonly RunnerPod[],
  budget: { left: number },
): Promise<WarmPoolSummary> {
  const summary: WarmPoolSummary = { warmRunnersCreated: 0, warmRunnersRemoved: 0, warmRunnersTaken: 0 };
  const classes = context.config.runnerClasses.filter(
    (runnerClass) =>
      runnerClass.pool || pods.some((pod) => pod.runnerClass === runnerClass.name && warmRunnerOf(pod)),
  );
  if (classes.length === 0) return summary;
  const busy = await busyWarmRunners(context, pods, budget);
  const capacity = new CapacityGate(context.cluster);
  const installations = lazyInstallations(context, budget);
  for (const runnerClass of classes) {
    const plan = planWarmPool(pods, runnerClass, busy, context.now());
    for (const step of plan.steps) {
      try {
        await carryOut(step, runnerClass, { ...context, capacity }, installations, budget, summary);
      } catch (error) {
        context.metrics.record('Errors', 1, { Kind: errorKind(error) });
        context.log.warn('warm pool step failed; the next run tries again', {
          step: step.kind,
          podName: step.kind === 'create-warm' ? step.name : step.pod.name,
          error: errorMessage(error),
        });
      }
    }
    if (plan.steps.length > 0)
      context.log.info('kept the warm pool', {
        runnerClass: runnerClass.name,
        target: plan.target,
        idle: plan.idle,
      });
  }
  return summary;
}

async function carryOut(
  step: WarmPoolStep,
  runnerClass: RunnerClass,
  context: ReconcilerContext & { capacity: CapacityGate },
  installationOf: (owner: string) => Promise<number | undefined>,
  budget: { left: number },
  summary: WarmPoolSummary,
): Promise<void> {
  switch (step.kind) {
    case 'mark-warm-taken': {
      const marked = await context.cluster.annotatePod(step.pod, {
        [ANNOTATION.warmTaken]: 'true',
        ...PROTECTED_FROM_DISRUPTION,
      });
      if (marked) summary.warmRunnersTaken += 1;
      return;
    }
    case 'remove-abandoned-warm': {
      // Its own Secret holds its registration: only the release was lost, and no delivery will retry
      // it as one retries a job's, so it is finished here. Without one, nothing was stored, and its
      // registration (if any) is a ghost the sweep finds.
      if (await finishStoredRegistration(step.pod, context.cluster)) return;
      if (
        await removeRunnerPod(context, step.pod, 'abandoned-registration', {
          unchangedSince: step.pod.resourceVersion,
        })
      )
        summary.warmRunnersRemoved += 1;
      return;
    }
    case 'remove-warm': {
      const warm = warmRunnerOf(step.pod);
      if (!warm || budget.left < 1) return;
      budget.left -= 1;
      const runnerId = step.pod.annotations[ANNOTATION.runnerId];
      const runner = { ...warm, name: step.pod.name, id: runnerId ? Number(runnerId) : undefined };
      // GitHub refuses for a busy runner and gives a deregistered one no job: none slips in between.
      if (!(await context.registry.deregister(runner))) {
        await context.cluster.annotatePod(step.pod, {
          [ANNOTATION.warmTaken]: 'true',
          ...PROTECTED_FROM_DISRUPTION,
        });
        return;
      }
      if (await removeRunnerPod(context, step.pod, step.reason, { unchangedSince: step.pod.resourceVersion }))
        summary.warmRunnersRemoved += 1;
      return;
    }
    case 'create-warm': {
      const pool = runnerClass.pool;
      if (!pool || budget.left < 1) return;
      const installationId = await installationOf(pool.scope.split('/')[0] ?? '');
      if (installationId === undefined) {
        context.log.warn('no warm runner made: the App is not installed there', { scope: pool.scope });
        return;
      }
      // The installations' read may have taken the last call of the budget.
      if (budget.left < 1) return;
      budget.left -= 1;
      if (
        (await createWarmRunner(step.name, { ...runnerClass, pool }, installationId, context)) === 'created'
      )
        summary.warmRunnersCreated += 1;
      return;
    }
  }
}

/** The names of the warm runners GitHub calls busy, listing each scope that has idle ones running. */
async function busyWarmRunners(
  context: ReconcilerContext,
  pods: readonly RunnerPod[],
  budget: { left: number },
): Promise<Set<string>> {
  const scopes = new Map<string, WarmRunner>();
  for (const pod of pods) {
    const warm = warmRunnerOf(pod);
    if (warm && pod.phase === 'Running' && !pod.deleting && isIdleWarmRunner(pod))
      scopes.set(JSON.stringify(warm), warm);
  }
  const busy = new Set<string>();
  for (const { installationId, scope } of scopes.values()) {
    if (budget.left < MAX_RUNNER_PAGES) break;
    budget.left -= MAX_RUNNER_PAGES;
    for (const runner of await context.registry.listRunners(installationId, scope, MAX_RUNNER_PAGES))
      if (runner.busy) busy.add(runner.name);
  }
  return busy;
}

/** The App's installation on an account, read from GitHub once per run, and only if needed. */
function lazyInstallations(context: ReconcilerContext, budget: { left: number }) {
  let read: Promise<Map<string, number>> | undefined;
  return async (owner: string): Promise<number | undefined> => {
    if (!read) {
      budget.left -= 1;
      read = context.registry
        .installations()
        .then((all) => new Map(all.map(({ account, id }) => [account.toLowerCase(), id])));
    }
    return (await read).get(owner.toLowerCase());
  };
}
