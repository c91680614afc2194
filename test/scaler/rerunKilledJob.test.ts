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
/** An execution of a job of run 300: a matrix job named after its ID unless given a name. */
const runJob = (
  id: number,
  conclusion: string | null,
  overrides: Partial<WorkflowJob> = {},
): WorkflowJob => ({
  id,
  runId: 300,
  runAttempt: 1,
  name: `build (${id})`,
  ...overrides,
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
    const [first] = await runBatch(rerun(74));
    registry.runs.set(300, { status: 'queued', attempt: 2, conclusion: null });
    registry.workflowJobs
      .get('acme/app')
      ?.push(
        runJob(1074, null, { runAttempt: 2, name: 'build (74)' }),
        runJob(1075, null, { runAttempt: 2, name: 'build (75)' }),
      );
    const [second] = await runBatch(rerun(75));

    // Assess
    expect(first).toMatchObject({ kind: 'retry', delaySeconds: 30 });
    expect(registry.reruns).toEqual(['run:300']);
    expect(second).toEqual({
      kind: 'done',
      result: 'run 300 was re-run already, job 75 of run 300 in attempt 2',
    });
  });

  it('re-runs a killed job left behind when another one killed in its run was re-run alone, once the new attempt completes', async () => {
    // Prepare: two jobs of one run killed; one lost its runner (failure), the other was drained (cancelled).
    const { registry, runBatch } = scalerHarness();
    registry.runs.set(300, { status: 'completed', attempt: 1, conclusion: 'failure' });
    registry.workflowJobs.set('acme/app', [runJob(80, 'failure'), runJob(81, 'cancelled')]);

    // Act: the first is re-run alone; the second is looked at during, then after, the new attempt.
    await runBatch(rerun(80));
    registry.runs.set(300, { status: 'in_progress', attempt: 2, conclusion: null });
    registry.workflowJobs.get('acme/app')?.push(runJob(1080, null, { runAttempt: 2, name: 'build (80)' }));
    const [during] = await runBatch(rerun(81));
    registry.runs.set(300, { status: 'completed', attempt: 2, conclusion: 'success' });
    const [after] = await runBatch(rerun(81));

    // Assess
    expect(during).toMatchObject({ kind: 'retry' });
    expect(after).toEqual({ kind: 'done', result: 're-ran job 81 of run 300' });
    expect(registry.reruns).toEqual(['job:80', 'job:81']);
  });

  it('re-runs a killed job alone when its re-run of the failed jobs came after another re-run had made and finished a new attempt', async () => {
    // Prepare: run 300 reads as attempt 1, completed, two jobs killed; by the time this job asks GitHub
    // to re-run the failed jobs, the other job's own re-run has made attempt 2 and it has finished,
    // so GitHub re-runs nothing of attempt 1.
    const { registry, queue, runBatch } = scalerHarness();
    registry.runs.set(300, { status: 'completed', attempt: 1, conclusion: 'failure' });
    registry.workflowJobs.set('acme/app', [runJob(85, 'cancelled'), runJob(86, 'failure')]);
    const rerunFailedJobs = registry.rerunFailedJobs.bind(registry);
    registry.rerunFailedJobs = async (run) => {
      registry.runs.set(300, { status: 'completed', attempt: 2, conclusion: 'success' });
      registry.workflowJobs
        .get('acme/app')
        ?.push(runJob(1086, 'success', { runAttempt: 2, name: 'build (86)' }));
      return rerunFailedJobs(run);
    };
    // Act
    const [first] = await runBatch(rerun(85));
    const [again] = await runBatch(...queue.sent.map(({ message }) => message));

    // Assess
    expect(first).toMatchObject({ kind: 'retry' });
    expect(again).toEqual({ kind: 'done', result: 're-ran job 85 of run 300' });
    expect(registry.reruns).toEqual(['run:300', 'job:85']);
  });

  it('looks again later when GitHub refuses because another re-run started the run again meanwhile', async () => {
    // Prepare: the run reads completed, but by the re-run call another job's re-run has started attempt 2.
    const { registry, runBatch } = scalerHarness();
    registry.runs.set(300, { status: 'completed', attempt: 1, conclusion: 'failure' });
    registry.workflowJobs.set('acme/app', [runJob(83, 'cancelled'), runJob(84, 'failure')]);
    registry.refuseReruns =
      'GitHub: could not re-run (403): This workflow run is not complete yet, so it cannot be re-run';
    const readRun = registry.readRun.bind(registry);
    registry.readRun = async (run) => {
      const read = await readRun(run);
      registry.runs.set(300, { status: 'in_progress', attempt: 2, conclusion: null });
      return read;
    };

    // Act
    const [outcome] = await runBatch(rerun(83));

    // Assess
    expect(outcome).toMatchObject({ kind: 'retry', reason: 'run 300 was re-run meanwhile' });
  });

  it('lets a message go when the run moved on and GitHub no longer lists its job', async () => {
    const { registry, runBatch } = scalerHarness();
    registry.runs.set(300, { status: 'completed', attempt: 2, conclusion: 'success' });
    registry.workflowJobs.set('acme/app', [runJob(1082, 'success', { runAttempt: 2 })]);
    const [outcome] = await runBatch(rerun(82));
    expect(outcome).toEqual({
      kind: 'done',
      result: 'run 300 was re-run already, job 82 of run 300 in attempt 2',
    });
    expect(registry.reruns).toEqual([]);
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
