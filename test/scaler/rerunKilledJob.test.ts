import { describe, expect, it } from 'vitest';
import type { WorkflowJob } from '../../lib/ports.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { scalerHarness } from '../helpers/scalerHarness.ts';

const rerun = (jobId: number, overrides = {}) =>
  jobMessage({
    jobId,
    runId: 300,
    action: 'rerun',
    killedBy: 'evicted',
    createdAt: new Date().toISOString(),
    ...overrides,
  });
const runJob = (id: number, conclusion: string | null): WorkflowJob => ({
  id,
  runId: 300,
  runAttempt: 1,
  status: conclusion ? 'completed' : 'in_progress',
  conclusion,
  labels: ['self-hosted'],
  createdAt: '2026-11-28T10:00:00Z',
});

describe('re-running a job the infrastructure killed', () => {
  it('waits while its run is in progress, looking every minute at first', async () => {
    // Prepare
    const { registry, queue, runBatch } = scalerHarness();
    registry.runs.set(300, { status: 'in_progress', attempt: 1, conclusion: null });

    // Act
    await runBatch(rerun(71));
    await runBatch(...queue.sent.map(({ message }) => message));

    // Assess
    expect(
      queue.sent.map(({ message, delaySeconds }) => [message.action, message.attempt, delaySeconds]),
    ).toEqual([
      ['rerun', 1, 60],
      ['rerun', 2, 60],
    ]);
    expect(registry.reruns).toEqual([]);
  });

  it('re-runs the job alone once the run completed, when no other job of the run failed (one cancelled is not hit)', async () => {
    // Prepare
    const { registry, metrics, runBatch } = scalerHarness();
    registry.runs.set(300, { status: 'completed', attempt: 1, conclusion: 'failure' });
    registry.workflowJobs.set('acme/app', [
      runJob(72, 'failure'),
      runJob(73, 'success'),
      runJob(70, 'cancelled'),
    ]);

    // Act
    const [outcome] = await runBatch(rerun(72));

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 're-ran job 72 of run 300' });
    expect(registry.reruns).toEqual(['job:72']);
    expect(metrics.total('JobReruns', { RunnerClass: 'linux-small' })).toBe(1);
  });

  it('re-runs every failed job of the run at once when several were hit, and the other messages then do nothing', async () => {
    // Prepare: a matrix of three, two of them killed.
    const { registry, runBatch } = scalerHarness();
    registry.runs.set(300, { status: 'completed', attempt: 1, conclusion: 'failure' });
    registry.workflowJobs.set('acme/app', [
      runJob(74, 'failure'),
      runJob(75, 'failure'),
      runJob(76, 'success'),
    ]);

    // Act
    await runBatch(rerun(74));
    registry.runs.set(300, { status: 'queued', attempt: 2, conclusion: null });
    const [second] = await runBatch(rerun(75));

    // Assess
    expect(registry.reruns).toEqual(['run:300']);
    expect(second).toEqual({ kind: 'done', result: 'run 300 was re-run already (attempt 2)' });
  });

  it.each([
    ['its run was cancelled', { status: 'completed', attempt: 1, conclusion: 'cancelled' }, 'failure'],
    [
      'the job finished after all, its preStop having let it',
      { status: 'completed', attempt: 1, conclusion: 'success' },
      'success',
    ],
    ['its run is gone', { status: 'absent', attempt: 0, conclusion: null }, 'failure'],
  ] as const)('does not re-run it when %s', async (_, run, ownConclusion) => {
    const { registry, runBatch } = scalerHarness();
    registry.runs.set(300, run);
    registry.workflowJobs.set('acme/app', [runJob(77, ownConclusion)]);
    const [outcome] = await runBatch(rerun(77));
    expect(outcome).toMatchObject({ kind: 'done' });
    expect(registry.reruns).toEqual([]);
  });

  it('re-runs a run at most maxInfrastructureReruns times, counting by its attempt, and not at all when 0', async () => {
    // Prepare
    const once = scalerHarness();
    const off = scalerHarness(testConfig({ reconciler: { maxInfrastructureReruns: 0 } }));
    for (const { registry } of [once, off]) {
      registry.runs.set(300, { status: 'completed', attempt: 2, conclusion: 'failure' });
      registry.workflowJobs.set('acme/app', [runJob(78, 'failure')]);
    }

    // Act
    await once.runBatch(rerun(78, { runAttempt: 2 }));
    await off.runBatch(rerun(78, { runAttempt: 1 }));

    // Assess
    expect(once.registry.reruns).toEqual([]);
    expect(off.registry.reruns).toEqual([]);
  });

  it('logs a re-run GitHub refuses (no actions: write) and lets the message go', async () => {
    // Prepare
    const { registry, queue, log, runBatch } = scalerHarness();
    registry.runs.set(300, { status: 'completed', attempt: 1, conclusion: 'failure' });
    registry.refuseReruns = 'GitHub: could not re-run job 79 (403): Resource not accessible by integration';

    // Act
    const [outcome] = await runBatch(rerun(79));

    // Assess
    expect(outcome).toMatchObject({
      kind: 'done',
      result: expect.stringContaining('Resource not accessible'),
    });
    expect(queue.sent).toEqual([]);
    expect(queue.deadLetters).toEqual([]);
    expect(log.lines).toContainEqual({
      level: 'warn',
      message: 'GitHub refused to re-run a job the infrastructure killed',
      attributes: expect.objectContaining({ jobId: 79, reason: expect.stringContaining('(403)') }),
    });
  });
});
