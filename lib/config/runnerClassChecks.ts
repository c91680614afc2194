// Checks across fields of the runner classes: each field is valid alone, but together they would fail
// job after job, or do harm, only after the deploy.
import * as z from 'zod/mini';
import type { RunnerClass } from './autoscalerConfig.ts';

type RunnerClasses = { runnerClasses: RunnerClass[] };

export const uniqueClassNames = z.superRefine((config: RunnerClasses, context) => {
  const seen = new Set<string>();
  config.runnerClasses.forEach((runnerClass, index) => {
    if (seen.has(runnerClass.name)) {
      context.addIssue({
        code: 'custom',
        input: runnerClass.name,
        path: ['runnerClasses', index, 'name'],
        message: `"${runnerClass.name}" is used by another class; class names must be unique`,
      });
    }
    seen.add(runnerClass.name);
  });
});
