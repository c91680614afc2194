import { describe, expect, it } from 'vitest';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { planWarmPool } from '../../lib/pool/planWarmPool.ts';
import type { RunnerPod } from '../../lib/ports.ts';
import { planReconciliation } from '../../lib/reconciler/planReconciliation.ts';
import { testConfig } from '../helpers/factories.ts';

const now = new Date('2026-11-30T10:00:00Z');
const warm = JSON.stringify({ installationId: 42, scope: { kind: 'org', org: 'acme' } });
const runnerClass = {
  name: 'small',
  startTimeoutSeconds: 600,
  pool: { size: 3, timezone: 'UTC', schedules: [], scope: 'acme' },
};

function warmPod(name: string, overrides: Partial<RunnerPod> = {}): RunnerPod {
  return {
    name,
    uid: `uid-${name}`,
    runnerClass: 'small',
    phase: 'Running',
    problem: undefined,
    createdAt: new Date(now.getTime() - 120_000),
    gated: false,
    deleting: false,
    resourceVersion: '1',
    ...overrides,
    annotations: { [ANNOTATION.warm]: warm, ...overrides.annotations },
  };
}

const kinds = (plan: ReturnType<typeof planWarmPool>) =>
  plan.steps.map((step) => [step.kind, 'name' in step ? step.name : step.pod.name]);

describe('planWarmPool', () => {
  it('fills an empty pool under the lowest free names', () => {
    // Act
    const plan = planWarmPool([warmPod('small-w2')], runnerClass, new Set(), now);

    // Assess
    expect(plan).toMatchObject({ target: 3, idle: 1 });
    expect(kinds(plan)).toEqual([
      ['create-warm', 'small-w1'],
      ['create-warm', 'small-w3'],
    ]);
  });

  it('counts a warm runner that took a job as gone from the pool, and never removes it', () => {
    // Prepare: one took a job (in_progress), one GitHub calls busy, one the reconciler marked so.
    const pods = [
      warmPod('small-w1', { annotations: { [ANNOTATION.runningJobId]: '9' } }),
      warmPod('small-w2'),
      warmPod('small-w3', { annotations: { [ANNOTATION.warmTaken]: 'true' } }),
    ];

    // Act
    const plan = planWarmPool(
      pods,
      { ...runnerClass, pool: { ...runnerClass.pool, size: 1 } },
      new Set(['small-w2']),
      now,
    );

    // Assess
    expect(kinds(plan)).toEqual([
      ['mark-warm-taken', 'small-w2'],
      ['create-warm', 'small-w4'],
    ]);
  });

  it('removes the idle surplus, those not running first, then the newest, never one still registering', () => {
    // (the registering one counts towards the pool: it is running within seconds)
    // Prepare
    const pods = [
      warmPod('small-w1', { createdAt: new Date(now.getTime() - 300_000) }),
      warmPod('small-w2', { createdAt: new Date(now.getTime() - 200_000) }),
      warmPod('small-w3', { phase: 'Pending' }),
      warmPod('small-w4', { gated: true, phase: 'Pending', createdAt: new Date(now.getTime() - 10_000) }),
    ];

    // Act
    const plan = planWarmPool(
      pods,
      { ...runnerClass, pool: { ...runnerClass.pool, size: 1 } },
      new Set(),
      now,
    );

    // Assess
    expect(kinds(plan)).toEqual([
      ['remove-warm', 'small-w3'],
      ['remove-warm', 'small-w2'],
      ['remove-warm', 'small-w1'],
    ]);
  });

  it('follows the schedule: the size falls to 0 at night and every idle warm runner goes', () => {
    // Prepare
    const scheduled = {
      ...runnerClass,
      pool: {
        ...runnerClass.pool,
        schedules: [
          { cron: '0 8 * * *', size: 2 },
          { cron: '0 19 * * *', size: 0 },
        ],
      },
    };
    const pods = [warmPod('small-w1'), warmPod('small-w2')];

    // Act / Assess
    expect(kinds(planWarmPool(pods, scheduled, new Set(), now))).toEqual([]);
    expect(kinds(planWarmPool(pods, scheduled, new Set(), new Date('2026-11-30T19:00:00Z'))).sort()).toEqual([
      ['remove-warm', 'small-w1'],
      ['remove-warm', 'small-w2'],
    ]);
  });

  it('removes broken warm runners and makes them anew', () => {
    // Prepare
    const pods = [
      warmPod('small-w1', { phase: 'Failed', problem: 'oom-killed' }),
      warmPod('small-w2', { phase: 'Pending', createdAt: new Date(now.getTime() - 700_000) }),
      warmPod('small-w3', { gated: true, phase: 'Pending', createdAt: new Date(now.getTime() - 61_000) }),
    ];

    // Act
    const plan = planWarmPool(pods, runnerClass, new Set(), now);

    // Assess
    expect(plan.steps).toEqual([
      expect.objectContaining({ kind: 'remove-warm', reason: 'failed-to-start', pod: pods[0] }),
      expect.objectContaining({ kind: 'remove-warm', reason: 'failed-to-start', pod: pods[1] }),
      expect.objectContaining({ kind: 'remove-abandoned-warm', pod: pods[2] }),
      { kind: 'create-warm', name: 'small-w4' },
      { kind: 'create-warm', name: 'small-w5' },
      { kind: 'create-warm', name: 'small-w6' },
    ]);
  });

  it('empties the pool of a class whose pool was taken out of the config', () => {
    const { pool: _pool, ...withoutPool } = runnerClass;
    expect(kinds(planWarmPool([warmPod('small-w1')], withoutPool, new Set(), now))).toEqual([
      ['remove-warm', 'small-w1'],
    ]);
  });
});

describe('planReconciliation with warm runners', () => {
  it('never checks an idle warm runner as a spare, and removes one that finished', () => {
    // Prepare
    const base = testConfig();
    const config = { ...base, runnerClasses: base.runnerClasses.map((c) => ({ ...c, name: 'small' })) };
    const idleForAnHour = { createdAt: new Date(now.getTime() - 3_600_000) };
    const pods = [
      warmPod('small-w1', idleForAnHour),
      warmPod('small-w2', { ...idleForAnHour, phase: 'Failed' }),
      warmPod('small-w3', { ...idleForAnHour, phase: 'Succeeded' }),
      warmPod('small-w4', { ...idleForAnHour, annotations: { [ANNOTATION.warmTaken]: 'true' } }),
    ];

    // Act
    const steps = planReconciliation(pods, config, now);

    // Assess
    expect(steps.map((step) => [step.kind, step.pod.name])).toEqual([['remove-finished', 'small-w3']]);
  });
});
