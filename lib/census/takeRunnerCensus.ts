import type { RunnerClass } from '../config/autoscalerConfig.ts';
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
}

/** Counts each configured class's pods by phase and by problem. Pure; pods of other classes are left out. */
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
    };
    for (const pod of pods) {
      if (pod.runnerClass !== name) continue;
      census.phases[phaseOf(pod)] += 1;
      if (pod.problem) census.failing[pod.problem] += 1;
    }
    return census;
  });
}

/** Records the census as gauges, zeros included, so a graph or alarm never sees a gap for "none". */
export function recordRunnerCensus(census: readonly ClassCensus[], metrics: Metrics): void {
  for (const { runnerClass, maxRunners, phases, failing } of census) {
    for (const phase of RUNNER_POD_PHASES) {
      metrics.record('RunnerPods', phases[phase], { RunnerClass: runnerClass, Phase: phase });
    }
    for (const problem of POD_PROBLEMS) {
      metrics.record('RunnerPodsFailing', failing[problem], { RunnerClass: runnerClass, Reason: problem });
    }
    metrics.record('RunnerCapacity', maxRunners, { RunnerClass: runnerClass });
  }
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
