import type { RunnerClass } from './autoscalerConfig.ts';
import { isSizeLabel } from './jobSizing.ts';

const IMPLIED_LABEL = 'self-hosted';

/**
 * The first class whose runners carry every label the job asks for, its size labels (`cpu=`,
 * `memory=`) aside in a class with `sizing`. GitHub matches labels without regard to case, and every
 * self-hosted runner has `self-hosted`.
 */
export function runnerClassForLabels(
  jobLabels: readonly string[],
  runnerClasses: readonly RunnerClass[],
): RunnerClass | undefined {
  const wanted = jobLabels.map((label) => label.toLowerCase()).filter((label) => label !== IMPLIED_LABEL);
  return runnerClasses.find((runnerClass) => {
    const offered = new Set(runnerClass.labels.map((label) => label.toLowerCase()));
    return wanted.every((label) => offered.has(label) || (runnerClass.sizing && isSizeLabel(label)));
  });
}
