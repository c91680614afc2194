import { describe, expect, it } from 'vitest';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { jobMessage } from '../helpers/factories.ts';
import { scalerHarness } from '../helpers/scalerHarness.ts';

describe('scaler on completed and in_progress jobs', () => {
  it('removes the pod and Secret of the runner that ran the job', async () => {
    // Prepare
    const { cluster, runBatch } = scalerHarness();
    await runBatch(jobMessage({ jobId: 1 }));

    // Act
    const [outcome] = await runBatch(
      jobMessage({ jobId: 1, action: 'completed', runnerName: 'linux-small-1' }),
    );

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'removed linux-small-1' });
    expect(cluster.pods.size).toBe(0);
    expect(cluster.secrets.size).toBe(0);
  });

  it('removes the unused runner of a job cancelled before any runner took it, and deregisters it', async () => {
    // Prepare
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(jobMessage({ jobId: 2 }));

    // Act
    await runBatch(jobMessage({ jobId: 2, action: 'completed', runnerName: null }));

    // Assess
    expect(cluster.pods.size).toBe(0);
    expect(registry.deregistered).toEqual([expect.objectContaining({ name: 'linux-small-2', id: 500 })]);
  });

  it('never deletes a busy runner, even when the job it was made for was cancelled', async () => {
    // Prepare: the runner made for job 3 is busy, but no in_progress reached us.
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(jobMessage({ jobId: 3 }));
    registry.states.set('linux-small-3', 'busy');

    // Act
    const [outcome] = await runBatch(jobMessage({ jobId: 3, action: 'completed', runnerName: null }));

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'kept linux-small-3: its runner is busy' });
    expect(await cluster.readPod('linux-small-3')).toBeDefined();
    expect(registry.deregistered).toEqual([]);
  });

  it('keeps a runner that another job took, and removes it when that job completes', async () => {
    // Prepare: runner linux-small-4 was made for job 4 but took job 5; job 5's own runner stays idle.
    const { cluster, runBatch } = scalerHarness();
    await runBatch(jobMessage({ jobId: 4 }), jobMessage({ jobId: 5 }));
    await runBatch(jobMessage({ jobId: 5, action: 'in_progress', runnerName: 'linux-small-4' }));

    // Act 1: job 4 is cancelled.
    await runBatch(jobMessage({ jobId: 4, action: 'completed', runnerName: null }));

    // Assess 1
    expect((await cluster.readPod('linux-small-4'))?.annotations[ANNOTATION.runningJobId]).toBe('5');

    // Act 2: job 5 completes on linux-small-4.
    const [outcome] = await runBatch(
      jobMessage({ jobId: 5, action: 'completed', runnerName: 'linux-small-4' }),
    );

    // Assess 2: both the runner that ran it and job 5's unused runner are gone.
    expect(outcome).toEqual({ kind: 'done', result: 'removed linux-small-4; removed unused linux-small-5' });
    expect(cluster.pods.size).toBe(0);
  });

  it('leaves runners that are not ours alone', async () => {
    // Prepare
    const { cluster, runBatch } = scalerHarness();
    await runBatch(jobMessage({ jobId: 6 }));

    // Act
    const [outcome] = await runBatch(
      jobMessage({ jobId: 7, action: 'completed', runnerName: 'GitHub Actions 5' }),
      jobMessage({ jobId: 8, action: 'in_progress', runnerName: 'someone-elses-runner' }),
    );

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'no pod linux-small-7' });
    expect(cluster.pods.size).toBe(1);
  });

  it('removes a runner pod that already finished even if GitHub still lists it', async () => {
    // Prepare
    const { cluster, registry, runBatch } = scalerHarness();
    await runBatch(jobMessage({ jobId: 9 }));
    cluster.setPhase('linux-small-9', 'Failed');
    registry.states.set('linux-small-9', 'busy');

    // Act
    await runBatch(jobMessage({ jobId: 9, action: 'completed', runnerName: null }));

    // Assess
    expect(cluster.pods.size).toBe(0);
  });

  it('treats completed for a pod already gone as done', async () => {
    const { queue, runBatch } = scalerHarness();
    const [outcome] = await runBatch(
      jobMessage({ jobId: 10, action: 'completed', runnerName: 'linux-small-10' }),
    );
    expect(outcome).toEqual({ kind: 'done', result: 'linux-small-10 already gone' });
    expect(queue.sent).toEqual([]);
  });
});
