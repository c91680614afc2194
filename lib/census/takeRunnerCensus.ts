import type { RunnerClass } from '../config/autoscalerConfig.ts';
import { isProtectedFromDisruption } from '../pod/disruption.ts';
import { hasFinished } from '../pod/runnerPodPhase.ts';
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
}

/**
 * Counts each configured class's pods by phase, by problem, and those protected from disruption.
 * Pure; pods of other classes are left out.
 */
export function takeRunnerCensus(
  pods: readonly RunnerPod[],
  runnerClasses: readonly Pick<RunnerClass, 'name' | 'maxRunners'>[],
): ClassCensus[] {
  return runnerClasses.map(({ name, maxRunners }) => {
    const census: ClassCensus = {
      runnerClass: name,
      maxRunners,
      phases: zeroFor(RUNNER_POD_PHASES),
      failing: zeroFor(POD_PROBLEMS),
      protected: 0,
    };
    for (const pod of pods) {
      if (pod.runnerClass !== name) continue;
      census.phases[phaseOf(pod)] += 1;
      if (pod.problem) census.failing[pod.problem] += 1;
      if (isLiveAndProtected(pod)) census.protected += 1;
    }
    return census;
  });
}

/** Records the census as gauges, zeros included, so a graph or alarm never sees a gap for "none". */
export function recordRunnerCensus(census: readonly ClassCensus[], metrics: Metrics): void {
  for (const { runnerClass, maxRunners, phases, failing, protected: protectedPods } of census) {
    for (const phase of RUNNER_POD_PHASES) {
      metrics.record('RunnerPods', phases[phase], { RunnerClass: runnerClass, Phase: phase });
    }
    for (const problem of POD_PROBLEMS) {
      metrics.record('RunnerPodsFailing', failing[problem], { RunnerClass: runnerClass, Reason: problem });
    }
    metrics.record('RunnerCapacity', maxRunners, { RunnerClass: runnerClass });
    metrics.record('RunnersProtected', protectedPods, { RunnerClass: runnerClass });
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
