// Checks across fields of the runner classes: each field is valid alone, but together they would fail
// job after job, or do harm, only after the deploy.
import * as z from 'zod/mini';
import type { RunnerClass } from './autoscalerConfig.ts';
import { compareQuantities } from './kubernetesQuantity.ts';

type ResourceList = Partial<Record<'cpu' | 'memory' | 'ephemeral-storage', string>>;
type RunnerClasses = { runnerClasses: RunnerClass[] };

/** Kubernetes refuses, with a 422, every pod with a limit below its request. */
export const limitsAtLeastRequests = z.superRefine(
  (resources: { requests: ResourceList; limits?: ResourceList | undefined }, context) => {
    for (const [name, limit] of Object.entries(resources.limits ?? {}) as [keyof ResourceList, string][]) {
      const request = resources.requests[name];
      if (request === undefined || compareQuantities(limit, request) >= 0) continue;
      context.addIssue({
        code: 'custom',
        input: limit,
        path: ['limits', name],
        message: `must be at least the request "${request}" (resources.requests.${name}): Kubernetes refuses every pod whose limit is below its request`,
      });
    }
  },
);

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
