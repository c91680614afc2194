import type { RunnerClass } from '../config/autoscalerConfig.ts';
import type { WarmRunner } from '../pool/warmRunner.ts';
import { buildRunnerPodOf, type RunnerPodSettings } from './buildRunnerPod.ts';
import { OPEN_TO_DISRUPTION, SAFE_TO_EVICT } from './disruption.ts';
import { ANNOTATION } from './labels.ts';
import type { PodManifest } from './podManifest.ts';

/**
 * A warm pool's runner: the class's pod, made for no job, registered where the pool says. It is
 * created open to disruption, since it runs nothing until GitHub gives it a job; the `in_progress`
 * naming it (or the reconciler finding it busy) protects it. Pure.
 */
export function buildWarmRunnerPod(
  name: string,
  warm: WarmRunner,
  runnerClass: RunnerClass,
  settings: RunnerPodSettings,
): PodManifest {
  return buildRunnerPodOf(
    {
      name,
      labels: {},
      annotations: {
        [ANNOTATION.warm]: JSON.stringify(warm),
        [SAFE_TO_EVICT]: OPEN_TO_DISRUPTION[SAFE_TO_EVICT],
      },
    },
    runnerClass,
    settings,
  );
}
