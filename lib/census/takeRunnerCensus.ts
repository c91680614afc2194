import type { RunnerClass } from '../config/autoscalerConfig.ts';
import { isProtectedFromDisruption } from '../pod/disruption.ts';
import { hasFinished } from '../pod/runnerPodPhase.ts';
import { poolSizeAt } from '../pool/poolSizeAt.ts';
import { isIdleWarmRunner } from '../pool/warmRunner.ts';
import type { Metrics, RunnerPod } from '../ports.ts';
import {
  POD_PROBLEMS,
  type PodProblem,
  RUNNER_POD_PHASES,
  type RunnerPodPhase,
} from '../telemetry/metricCatalog.ts';

/** One class's runner pods at one moment. */
export interface ClassCensus {
  runnerClass: string;
  maxRunners: number;
  phases: Record<RunnerPodPhase, number>;
  failing: Record<PodProblem, number>;
  /** Live pods (not finished, not being deleted) that the node autoscaler may not evict. */
  protected: number;
  /** The warm pool's size at this moment, as its schedules set it; 0 without a pool. */
  poolTarget: number;
  /** Live warm runners that took no job, as far as the cluster knows. */
  idleWarm: number;
}

/**
 * Counts each configured class's pods by phase, by problem, and those protected from disruption.
 * and its warm pool (target at `now`, idle warm runners). Pure; pods of other classes are left out.
 */
export function takeRunnerCensus(
  pods: readonly RunnerPod[],
  runnerClasses: readonly Pick<RunnerClass, 'name' | 'maxRunners' | 'pool'>[],
  now: Date,
): ClassCensus[] {
  return runnerClasses.map(({ name, maxRunners, pool }) => {
    const census: ClassCensus = {
      runnerClass: name,
      maxRunners,
      phases: zeroFor(RUNNER_POD_PHASES),
      failing: zeroFor(POD_PROBLEMS),
      protected: 0,
      poolTarget: pool ? poolSizeAt(pool, now) : 0,
      idleWarm: 0,
    };
    for (const pod of pods) {
      if (pod.runnerClass !== name) continue;
      census.phases[phaseOf(pod)] += 1;
      if (pod.problem) census.failing[pod.problem] += 1;
      if (isLiveAndProtected(pod)) census.protected += 1;
      if (isIdleWarmRunner(pod) && !pod.deleting && !hasFinished(pod)) census.idleWarm += 1;
    }
    return census;
  });
}

/** Records the census as gauges, zeros included, so a graph or alarm never sees a gap for "none". */
export function recordRunnerCensus(census: readonly ClassCensus[], metrics: Metrics): void {
  for (const { runnerClass, maxRunners, phases, failing, protected: protectedPods, ...pool } of census) {
    for (const phase of RUNNER_POD_PHASES) {
      metrics.record('RunnerPods', phases[phase], { RunnerClass: runnerClass, Phase: phase });
    }
    for (const problem of POD_PROBLEMS) {
      metrics.record('RunnerPodsFailing', failing[problem], { RunnerClass: runnerClass, Reason: problem });
    }
    metrics.record('RunnerCapacity', maxRunners, { RunnerClass: runnerClass });
    metrics.record('RunnersProtected', protectedPods, { RunnerClass: runnerClass });
    metrics.record('WarmPoolTarget', pool.poolTarget, { RunnerClass: runnerClass });
    metrics.record('WarmRunnersIdle', pool.idleWarm, { RunnerClass: runnerClass });
  }
}

/** A pod on its way out no longer holds its node, whatever its annotations say. */
function isLiveAndProtected(pod: RunnerPod): boolean {
  return !pod.deleting && !hasFinished(pod) && isProtectedFromDisruption(pod.annotations);
}

function phaseOf(pod: RunnerPod): RunnerPodPhase {
  if (pod.gated) return 'Registering';
  return (RUNNER_POD_PHASES as readonly string[]).includes(pod.phase)
    ? (pod.phase as RunnerPodPhase)
    : 'Pending';
}

function zeroFor<Key extends string>(keys: readonly Key[]): Record<Key, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<Key, number>;
}
