import { describe, expect, it } from 'vitest';
import type { AutoscalerConfigInput } from '../../lib/config/autoscalerConfig.ts';
import { parseConfig } from '../../lib/config/loadConfig.ts';
import { ConfigError } from '../../lib/errors.ts';
import { exampleConfigInput } from '../helpers/factories.ts';

type RunnerClassInput = AutoscalerConfigInput['runnerClasses'][number];

/** The example configuration with `change` applied to its class at `index`. */
function exampleWithClass(index: number, change: (runnerClass: RunnerClassInput) => RunnerClassInput) {
  const input = exampleConfigInput();
  return {
    ...input,
    runnerClasses: input.runnerClasses.map((runnerClass, at) =>
      at === index ? change(runnerClass) : runnerClass,
    ),
  };
}

/** The lines of the ConfigError `input` fails with, or none when it is valid. */
function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input, 'autoscaler.config.json');
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message.split('\n').slice(1);
  }
}

const withLimits = (limits: Record<string, string>) => (runnerClass: RunnerClassInput) => ({
  ...runnerClass,
  resources: { ...runnerClass.resources, limits: { ...runnerClass.resources.limits, ...limits } },
});

describe('resource limits against requests', () => {
  const refused: [string, Record<string, string>, string][] = [
    [
      'a memory limit below the request',
      { memory: '1Gi' },
      '  - runnerClasses[1].resources.limits.memory: must be at least the request "4Gi" (resources.requests.memory): Kubernetes refuses every pod whose limit is below its request',
    ],
    [
      'a CPU limit in millicores below a request in cores',
      { cpu: '1500m' },
      '  - runnerClasses[1].resources.limits.cpu: must be at least the request "2" (resources.requests.cpu): Kubernetes refuses every pod whose limit is below its request',
    ],
    [
      'an ephemeral-storage limit in decimal units below a request in binary ones',
      { 'ephemeral-storage': '20G' },
      '  - runnerClasses[1].resources.limits.ephemeral-storage: must be at least the request "20Gi" (resources.requests.ephemeral-storage): Kubernetes refuses every pod whose limit is below its request',
    ],
  ];

  it.each(refused)('refuses %s, naming the limit', (_, limits, expected) => {
    // Prepare
    const input = exampleWithClass(1, withLimits(limits));

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([expected]);
  });

  it('accepts limits equal to their requests in other units, and limits without a request', () => {
    // Prepare
    const input = exampleWithClass(
      1,
      withLimits({ cpu: '2000m', memory: '4096Mi', 'ephemeral-storage': '20Gi' }),
    );
    const limitOnly = exampleWithClass(0, withLimits({ 'ephemeral-storage': '1G' }));

    // Act
    const problems = [...problemsOf(input), ...problemsOf(limitOnly)];

    // Assess
    expect(problems).toEqual([]);
  });
});

describe('the nodes of a dood class', () => {
  const expected =
    '  - runnerClasses[1].nodeSelector: must not be empty for a dood class, or the deploy runs a privileged ' +
    "Docker daemon on every node of the cluster that the class's tolerations allow; set it to select the " +
    'nodes meant for dood runners, e.g. {"eks-runner-autoscaler.io/pool": "docker"}';

  it('refuses an empty nodeSelector, naming it', () => {
    // Prepare
    const input = exampleWithClass(1, (runnerClass) => ({ ...runnerClass, nodeSelector: {} }));

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([expected]);
  });

  it('refuses a missing nodeSelector, whose default is empty', () => {
    // Prepare
    const input = exampleWithClass(1, ({ nodeSelector: _, ...runnerClass }) => runnerClass);

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([expected]);
  });

  it('accepts an empty one when the deploy does not run the Docker daemons', () => {
    // Prepare
    const input = exampleWithClass(1, (runnerClass) => ({ ...runnerClass, nodeSelector: {} }));
    const selfManaged = { ...input, cluster: { ...input.cluster, managePrerequisites: false } };

    // Act
    const problems = problemsOf(selfManaged);

    // Assess
    expect(problems).toEqual([]);
  });
});

describe('classes no job can reach', () => {
  it('refuses a class whose labels an earlier class all has, naming the first such class', () => {
    // Prepare
    const input = exampleWithClass(2, (runnerClass) => ({
      ...runnerClass,
      labels: ['self-hosted', 'linux'],
    }));

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      '  - runnerClasses[2].labels: no job can reach class "linux-dind": a job goes to the first class that has every label it asks for, and the earlier class "linux-small" (runnerClasses[0]) has all of these; give "linux-dind" a label "linux-small" lacks, or list it before "linux-small"',
    ]);
  });

  it('accepts the class listed before the one that took its jobs, as the error offers', () => {
    // Prepare
    const input = exampleWithClass(2, (runnerClass) => ({
      ...runnerClass,
      labels: ['self-hosted', 'linux'],
    }));
    const [small, docker, dind] = input.runnerClasses;
    const reordered = { ...input, runnerClasses: [dind, small, docker] };

    // Act
    const problems = problemsOf(reordered);

    // Assess
    expect(problems).toEqual([]);
  });

  it('refuses a class with the same labels in another case, without offering to reorder', () => {
    // Prepare
    const input = exampleWithClass(1, (runnerClass) => ({
      ...runnerClass,
      labels: ['Linux', 'X64', 'SMALL'],
    }));

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([
      '  - runnerClasses[1].labels: no job can reach class "linux-docker": a job goes to the first class that has every label it asks for, and the earlier class "linux-small" (runnerClasses[0]) has all of these; give "linux-docker" a label "linux-small" lacks',
    ]);
  });

  it('accepts a class with a label its earlier classes lack', () => {
    // Prepare
    const input = exampleWithClass(0, (runnerClass) => ({ ...runnerClass, labels: ['linux'] }));

    // Act
    const problems = problemsOf(input);

    // Assess
    expect(problems).toEqual([]);
  });
});

describe('sizes a job may ask for', () => {
  it('refuses a listed size above its maximum, and a limit ratio below 1, naming each', () => {
    const input = exampleWithClass(0, (runnerClass) => ({
      ...runnerClass,
      sizing: { maxCpu: '8', maxMemory: '16Gi', memoryValues: ['8Gi', '32Gi'], limitsToRequests: 0.5 },
    }));
    expect(problemsOf(input)).toEqual([
      '  - runnerClasses[0].sizing.limitsToRequests: must be at least 1',
      '  - runnerClasses[0].sizing.memoryValues[1]: must be at most maxMemory ("16Gi"): no job may ask for more',
    ]);
  });

  it('accepts the example, whose first class lets jobs ask for their size', () => {
    expect(problemsOf(exampleConfigInput())).toEqual([]);
  });
});
