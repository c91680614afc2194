import { describe, expect, it } from 'vitest';
import { recordRunnerCensus, takeRunnerCensus } from '../../lib/census/takeRunnerCensus.ts';
import { PROTECTED_FROM_DISRUPTION, SAFE_TO_EVICT } from '../../lib/pod/disruption.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import type { RunnerPod } from '../../lib/ports.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { POD_PROBLEMS, RUNNER_POD_PHASES } from '../../lib/telemetry/metricCatalog.ts';

function pod(overrides: Partial<RunnerPod>): RunnerPod {
  return {
    name: 'pod',
    uid: 'uid',
    runnerClass: 'small',
    phase: 'Running',
    problem: undefined,
    createdAt: new Date(0),
    gated: false,
    deleting: false,
    annotations: {},
    resourceVersion: '1',
    ...overrides,
  };
}

const classes = [
  { name: 'small', maxRunners: 10 },
  { name: 'gpu', maxRunners: 2 },
];

describe('runner census', () => {
  it('counts each class by phase, gated pods as Registering, and failing pods by problem', () => {
    // Prepare
    const pods = [
      pod({ gated: true, phase: 'Pending' }),
      pod({ phase: 'Pending', problem: 'image-pull' }),
      pod({ phase: 'Running' }),
      pod({ phase: 'Running' }),
      pod({ phase: 'Failed', problem: 'oom-killed' }),
      pod({ runnerClass: 'gpu', phase: 'Succeeded' }),
      pod({ runnerClass: 'not-configured', phase: 'Running' }),
    ];

    // Act
    const census = takeRunnerCensus(pods, classes, new Date());

    // Assess
    expect(census).toEqual([
      {
        runnerClass: 'small',
        maxRunners: 10,
        phases: { Registering: 1, Pending: 1, Running: 2, Succeeded: 0, Failed: 1 },
        failing: {
          'image-pull': 1,
          unschedulable: 0,
          'config-error': 0,
          'crash-loop': 0,
          'oom-killed': 1,
          evicted: 0,
          failed: 0,
        },
        protected: 0,
        poolTarget: 0,
        idleWarm: 0,
      },
      expect.objectContaining({ runnerClass: 'gpu', phases: expect.objectContaining({ Succeeded: 1 }) }),
    ]);
  });

  it("counts a warm pool's target at that moment and its live idle warm runners", () => {
    // Prepare: 4 warm runners from 08:00 UTC; three live, one of them took a job; one finished.
    const pool = { size: 1, timezone: 'UTC', schedules: [{ cron: '0 8 * * *', size: 4 }], scope: 'acme' };
    const warm = {
      [ANNOTATION.warm]: JSON.stringify({ installationId: 42, scope: { kind: 'org', org: 'acme' } }),
    };
    const pods = [
      pod({ annotations: warm }),
      pod({ phase: 'Pending', gated: true, annotations: warm }),
      pod({ annotations: { ...warm, [ANNOTATION.runningJobId]: '7' } }),
      pod({ phase: 'Succeeded', annotations: warm }),
      pod({ deleting: true, annotations: warm }),
      pod({}),
    ];
    const pooled = [
      { name: 'small', maxRunners: 10, pool },
      { name: 'gpu', maxRunners: 2 },
    ];

    // Act
    const census = takeRunnerCensus(pods, pooled, new Date('2026-11-30T09:00:00Z'));
    const beforeEight = takeRunnerCensus(pods, pooled, new Date('2026-11-30T07:00:00Z'));

    // Assess
    expect(
      census.map(({ runnerClass, poolTarget, idleWarm }) => [runnerClass, poolTarget, idleWarm]),
    ).toEqual([
      ['small', 4, 2],
      ['gpu', 0, 0],
    ]);
    expect(beforeEight[0]?.poolTarget).toBe(4); // fired at 08:00 the day before
    const unscheduled = [{ name: 'small', maxRunners: 10, pool: { ...pool, schedules: [] } }];
    expect(takeRunnerCensus(pods, unscheduled, new Date())[0]?.poolTarget).toBe(1);
  });

  it('counts the live pods protected from disruption, not those finished, deleting or opened', () => {
    // Prepare
    const protectedPod = (overrides: Partial<RunnerPod>) =>
      pod({ annotations: { ...PROTECTED_FROM_DISRUPTION }, ...overrides });
    const pods = [
      protectedPod({ phase: 'Running' }),
      protectedPod({ phase: 'Pending', gated: true }),
      protectedPod({ phase: 'Succeeded' }),
      protectedPod({ phase: 'Failed' }),
      protectedPod({ phase: 'Running', deleting: true }),
      pod({ phase: 'Running', annotations: { [SAFE_TO_EVICT]: 'true' } }),
      pod({ phase: 'Running' }),
      protectedPod({ runnerClass: 'gpu', phase: 'Running' }),
    ];

    // Act
    const census = takeRunnerCensus(pods, classes, new Date());

    // Assess
    expect(census.map(({ runnerClass, protected: count }) => [runnerClass, count])).toEqual([
      ['small', 2],
      ['gpu', 1],
    ]);
  });

  it('records every phase and problem of every class, zeros included, the capacity and the protected', () => {
    // Prepare
    const metrics = new MetricsRecorder();

    // Act
    recordRunnerCensus(
      takeRunnerCensus(
        [pod({}), pod({ phase: 'Pending', annotations: { ...PROTECTED_FROM_DISRUPTION } })],
        classes,
        new Date(),
      ),
      metrics,
    );

    // Assess
    expect(metrics.points('RunnerPods')).toHaveLength(classes.length * RUNNER_POD_PHASES.length);
    expect(metrics.points('RunnerPodsFailing')).toHaveLength(classes.length * POD_PROBLEMS.length);
    expect(metrics.total('RunnerPods', { RunnerClass: 'small', Phase: 'Running' })).toBe(1);
    expect(metrics.total('RunnerPods', { RunnerClass: 'gpu', Phase: 'Running' })).toBe(0);
    expect(metrics.total('RunnerCapacity', { RunnerClass: 'gpu' })).toBe(2);
    expect(metrics.points('RunnersProtected').map(({ value, dimensions }) => [dimensions, value])).toEqual([
      [{ RunnerClass: 'small' }, 1],
      [{ RunnerClass: 'gpu' }, 0],
    ]);
  });
});
