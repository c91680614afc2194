import { describe, expect, it } from 'vitest';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { jobMessage } from '../helpers/factories.ts';
import { scalerHarness } from '../helpers/scalerHarness.ts';

const queued = (jobId: number) => jobMessage({ jobId });
/** GitHub names the runner that took a job by its name and its ID. */
type Runners = { runnerIds: ReadonlyMap<string, number> };
const runnerOf = (registry: Runners, runnerName: string | null) => ({
  runnerName,
  runnerId: runnerName ? (registry.runnerIds.get(runnerName) ?? null) : null,
});
const started = (registry: Runners, jobId: number, runnerName: string) =>
  jobMessage({ jobId, action: 'in_progress', ...runnerOf(registry, runnerName) });
const completed = (registry: Runners, jobId: number, runnerName: string | null) =>
  jobMessage({ jobId, action: 'completed', ...runnerOf(registry, runnerName) });

describe('scaler on completed and in_progress jobs', () => {
  it('removes the pod and Secret of the runner that ran the job', async () => {
    // Prepare
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(queued(1));

    // Act
    const [outcome] = await runBatch(completed(registry, 1, 'linux-small-1'));

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'removed linux-small-1' });
    expect(cluster.pods.size).toBe(0);
    expect(cluster.secrets.size).toBe(0);
  });

  it('removes the unused runner of a job cancelled before any runner took it, and deregisters it', async () => {
    // Prepare
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(queued(2));

    // Act
    await runBatch(completed(registry, 2, null));

    // Assess
    expect(cluster.pods.size).toBe(0);
    expect(registry.deregistered).toEqual([expect.objectContaining({ name: 'linux-small-2', id: 500 })]);
  });

  it('removes its own runner when the job ran on a runner that is not ours', async () => {
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(queued(3));
    const [outcome] = await runBatch(completed(registry, 3, 'GitHub Actions 5'));
    expect(outcome).toEqual({ kind: 'done', result: 'removed unused linux-small-3' });
    expect(cluster.pods.size).toBe(0);
  });

  it('never deletes a busy runner, even when the job it was made for was cancelled', async () => {
    // Prepare: the runner made for job 4 is busy, but no in_progress reached us.
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(queued(4));
    registry.states.set('linux-small-4', 'busy');

    // Act
    const [outcome] = await runBatch(completed(registry, 4, null));

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'kept linux-small-4: its runner is busy' });
    expect(await cluster.readPod('linux-small-4')).toBeDefined();
    expect(registry.deregistered).toEqual([]);
  });

  it("keeps a job's own runner for the job whose runner it took, so that job is not left waiting", async () => {
    // Prepare: job 6 took the runner made for job 5; job 5 is still queued.
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(queued(5), queued(6));
    await runBatch(started(registry, 6, 'linux-small-5'));

    // Act
    const [outcome] = await runBatch(completed(registry, 6, 'linux-small-5'));

    // Assess
    expect(outcome).toEqual({
      kind: 'done',
      result: 'removed linux-small-5; kept linux-small-6 for job 5, whose runner this job took',
    });
    expect([...cluster.pods.keys()]).toEqual(['linux-small-6']);
  });

  it('queues the job whose runner was taken again, for a pod of its own, when the taker had none', async () => {
    // Prepare: job 16, whose queued webhook never came, took the runner made for job 15.
    const { cluster, registry, queue, runBatch } = scalerHarness();
    await runBatch(queued(15));
    await runBatch(started(registry, 16, 'linux-small-15'));

    // Act
    const [outcome] = await runBatch(completed(registry, 16, 'linux-small-15'));
    await runBatch(...queue.sent.map(({ message }) => message));

    // Assess: job 15 has a runner again, under its own name.
    expect(outcome).toMatchObject({
      kind: 'hand-over',
      result: 'removed linux-small-15; job 15, whose runner this job took, gets a runner anew',
    });
    expect(queue.sent.map(({ message }) => [message.action, message.jobId])).toEqual([['queued', 15]]);
    expect(await cluster.readPod('linux-small-15')).toMatchObject({ phase: 'Pending', gated: false });
    expect((await cluster.readPod('linux-small-15'))?.annotations[ANNOTATION.runningJobId]).toBeUndefined();
  });

  it('knows a replacement made under another pod name by the job on it, not by its name', async () => {
    // Prepare: the reconciler replaced pod 17 for job 18 (job 17 had taken 18's runner); job 18 ran on it.
    const { cluster, registry, queue, runBatch } = scalerHarness();
    await runBatch(jobMessage({ jobId: 18, podName: 'linux-small-17', replacements: 1 }));
    await runBatch(started(registry, 18, 'linux-small-17'));

    // Act
    const [outcome] = await runBatch(completed(registry, 18, 'linux-small-17'));

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'removed linux-small-17' });
    expect(queue.sent).toEqual([]);
    expect(cluster.pods.size).toBe(0);
  });

  it('frees the spare once both the job and the one whose runner it took are done', async () => {
    // Prepare: job 8 took the runner made for job 7, then job 7 was cancelled.
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(queued(7), queued(8));
    await runBatch(started(registry, 8, 'linux-small-7'));
    const [cancelled] = await runBatch(completed(registry, 7, null));

    // Act
    const [outcome] = await runBatch(completed(registry, 8, 'linux-small-7'));

    // Assess
    expect(cancelled).toEqual({ kind: 'done', result: 'kept linux-small-7: it runs job 8' });
    expect(outcome).toEqual({ kind: 'done', result: 'removed linux-small-7; removed unused linux-small-8' });
    expect(cluster.pods.size).toBe(0);
  });

  it('records which job a runner took', async () => {
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(queued(9));
    await runBatch(started(registry, 10, 'linux-small-9'));
    expect((await cluster.readPod('linux-small-9'))?.annotations[ANNOTATION.runningJobId]).toBe('10');
  });

  it('leaves runners that are not ours alone', async () => {
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(queued(11));
    const [outcome] = await runBatch(started(registry, 12, 'someone-elses-runner'));
    expect(outcome).toEqual({ kind: 'done', result: 'not one of our runners' });
    expect(cluster.pods.size).toBe(1);
  });

  it('removes a runner pod that already finished even if GitHub still lists it as busy', async () => {
    // Prepare
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(queued(13));
    cluster.setPhase('linux-small-13', 'Failed');
    registry.states.set('linux-small-13', 'busy');

    // Act
    await runBatch(completed(registry, 13, null));

    // Assess
    expect(cluster.pods.size).toBe(0);
  });

  it('treats completed for a pod already gone as done', async () => {
    const { registry, queue, runBatch } = scalerHarness();
    const [outcome] = await runBatch(completed(registry, 14, 'linux-small-14'));
    expect(outcome).toEqual({ kind: 'done', result: 'linux-small-14, which ran job 14, is gone' });
    expect(queue.sent).toEqual([]);
  });

  it('does not mark a pod made after the job started, under the same name, as running that job', async () => {
    // Prepare: job 30's pod ran job 31 and went; a late redelivery of 30's queued made it anew at 10:00.
    const { cluster, runBatch } = scalerHarness(undefined, () => new Date('2026-11-28T10:00:00Z'));
    await runBatch(queued(30));

    // Act: the in_progress of job 31, which started on the earlier pod at 09:50, arrives late.
    const [outcome] = await runBatch(
      jobMessage({
        jobId: 31,
        action: 'in_progress',
        runnerName: 'linux-small-30',
        startedAt: '2026-11-28T09:50:00Z',
      }),
    );

    // Assess
    expect(outcome).toMatchObject({ kind: 'done', result: expect.stringMatching(/is a newer runner/) });
    expect((await cluster.readPod('linux-small-30'))?.annotations[ANNOTATION.runningJobId]).toBeUndefined();
  });

  it("goes by GitHub's runner ID, not the clock, to tell a newer runner of the same name", async () => {
    // Prepare: job 32's pod was made anew a second before job 33 started on the earlier one; its JIT
    // runner is 500, and GitHub says job 33 ran on runner 499.
    const { cluster, runBatch } = scalerHarness(undefined, () => new Date('2026-11-28T10:00:00Z'));
    await runBatch(queued(32));
    const late = { jobId: 33, action: 'in_progress', runnerName: 'linux-small-32' } as const;

    // Act
    const [stale] = await runBatch(jobMessage({ ...late, runnerId: 499, startedAt: '2026-11-28T10:00:01Z' }));
    const [current] = await runBatch(
      jobMessage({ ...late, runnerId: 500, startedAt: '2026-11-28T09:50:00Z' }),
    );

    // Assess
    expect(stale).toMatchObject({ kind: 'done', result: expect.stringMatching(/is a newer runner/) });
    expect(current).toEqual({ kind: 'done', result: 'linux-small-32 runs job 33' });
    expect((await cluster.readPod('linux-small-32'))?.annotations[ANNOTATION.runningJobId]).toBe('33');
  });
});
