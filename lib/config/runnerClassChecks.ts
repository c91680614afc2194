// Checks across fields of the runner classes: each field is valid alone, but together they would fail
// job after job, or do harm, only after the deploy.
import * as z from 'zod/mini';
import type { RunnerClass } from './autoscalerConfig.ts';
import { compareQuantities } from './kubernetesQuantity.ts';
import { runnerClassForLabels } from './runnerClassForLabels.ts';

type ResourceList = Partial<Record<'cpu' | 'memory' | 'ephemeral-storage', string>>;
type RunnerClasses = { cluster: { managePrerequisites: boolean }; runnerClasses: RunnerClass[] };

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

/** A size above the maximum could never be asked for: the list or the maximum is a mistake. */
export const sizeValuesWithinMaximum = z.superRefine(
  (
    sizing: {
      maxCpu: string;
      maxMemory: string;
      cpuValues?: string[] | undefined;
      memoryValues?: string[] | undefined;
    },
    context,
  ) => {
    const lists = [
      ['cpuValues', sizing.cpuValues, 'maxCpu', sizing.maxCpu],
      ['memoryValues', sizing.memoryValues, 'maxMemory', sizing.maxMemory],
    ] as const;
    for (const [field, values, maxField, max] of lists) {
      values?.forEach((value, index) => {
        if (compareQuantities(value, max) <= 0) return;
        context.addIssue({
          code: 'custom',
          input: value,
          path: [field, index],
          message: `must be at most ${maxField} ("${max}"): no job may ask for more`,
        });
      });
    }
  },
);

/** A pool larger than the class could never be filled: its warm runners count towards `maxRunners`. */
export const poolWithinMaxRunners = z.superRefine(
  (
    runnerClass: { maxRunners: number; pool?: { size: number; schedules: { size: number }[] } | undefined },
    context,
  ) => {
    const { pool, maxRunners } = runnerClass;
    if (!pool) return;
    const sizes: [(string | number)[], number][] = [
      [['pool', 'size'], pool.size],
      ...pool.schedules.map((schedule, index): [(string | number)[], number] => [
        ['pool', 'schedules', index, 'size'],
        schedule.size,
      ]),
    ];
    for (const [path, size] of sizes) {
      if (size <= maxRunners) continue;
      context.addIssue({
        code: 'custom',
        input: size,
        path,
        message: `must be at most maxRunners (${maxRunners}): warm runners count towards it`,
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

/** The deploy runs the Docker daemon of a `dood` class on the nodes its nodeSelector selects. */
export const doodClassesSelectNodes = z.superRefine((config: RunnerClasses, context) => {
  if (!config.cluster.managePrerequisites) return;
  config.runnerClasses.forEach((runnerClass, index) => {
    if (runnerClass.containerMode !== 'dood' || Object.keys(runnerClass.nodeSelector).length > 0) return;
    context.addIssue({
      code: 'custom',
      input: runnerClass.nodeSelector,
      path: ['runnerClasses', index, 'nodeSelector'],
      message:
        'must not be empty for a dood class, or the deploy runs a privileged Docker daemon on every node ' +
        "of the cluster that the class's tolerations allow; set it to select the nodes meant for dood " +
        'runners, e.g. {"eks-runner-autoscaler.io/pool": "docker"}',
    });
  });
});

/**
 * A class gets no job when an earlier one would take even a job asking for every label the class
 * has: any job it could serve asks for fewer, so the earlier class takes that job too.
 */
export const everyClassReachable = z.superRefine((config: RunnerClasses, context) => {
  const { runnerClasses } = config;
  runnerClasses.forEach((runnerClass, index) => {
    const earlier = runnerClasses.slice(0, index);
    const taker = runnerClassForLabels(runnerClass.labels, earlier);
    if (!taker) return;
    // Listed before the taker, the class gets its jobs and leaves the taker its own, unless the
    // class has every label of the taker too.
    const canGoFirst = !runnerClassForLabels(taker.labels, [runnerClass]);
    context.addIssue({
      code: 'custom',
      input: runnerClass.labels,
      path: ['runnerClasses', index, 'labels'],
      message:
        `no job can reach class "${runnerClass.name}": a job goes to the first class that has every ` +
        `label it asks for, and the earlier class "${taker.name}" (runnerClasses[${earlier.indexOf(taker)}]) ` +
        `has all of these; give "${runnerClass.name}" a label "${taker.name}" lacks` +
        (canGoFirst ? `, or list it before "${taker.name}"` : ''),
    });
  });
});

/** Warm runners must register where the App serves jobs, or no job could ever take them. */
export const poolScopesServed = z.superRefine(
  (
    config: RunnerClasses & {
      github: { runnerScope: 'org' | 'repo'; allowedOrgs: string[]; allowedRepositories: string[] };
    },
    context,
  ) => {
    const { runnerScope, allowedOrgs, allowedRepositories } = config.github;
    config.runnerClasses.forEach((runnerClass, index) => {
      const scope = runnerClass.pool?.scope;
      if (scope === undefined) return;
      const [owner = ''] = scope.split('/');
      const isRepository = scope.includes('/');
      const sameName = (a: string) => a.toLowerCase() === scope.toLowerCase();
      const problem =
        runnerScope === 'repo' && !isRepository
          ? 'must be a repository ("owner/name"): github.runnerScope is "repo"'
          : allowedOrgs.length > 0 && !allowedOrgs.some((org) => org.toLowerCase() === owner.toLowerCase())
            ? `must be in one of github.allowedOrgs (${allowedOrgs.join(', ')})`
            : isRepository && allowedRepositories.length > 0 && !allowedRepositories.some(sameName)
              ? 'must be one of github.allowedRepositories'
              : undefined;
      if (problem)
        context.addIssue({
          code: 'custom',
          input: scope,
          path: ['runnerClasses', index, 'pool', 'scope'],
          message: problem,
        });
    });
  },
);
