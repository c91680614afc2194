import { describe, expect, it } from 'vitest';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { completedOn, evictAndKeepRunner, runnerFor, runnerThatTookAJob } from '../helpers/killedRunners.ts';
import { livePod } from '../helpers/livePod.ts';
import { reconcilerHarness } from '../helpers/reconcilerHarness.ts';

describe('runners the infrastructure killed mid-job', () => {
  it('queue the job they ran to be re-run, count the kill by its reason, and go', async () => {
    // Prepare: runner 81 took job 82, and was evicted.
    const { cluster, queue, metrics, reconcile } = await runnerThatTookAJob(81, 82);
    cluster.setPhase(runnerFor(81), 'Failed', 'evicted', 'evicted');

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ queuedReruns: 1, removedFinished: 1, gitHubCalls: 0 });
    expect(queue.sent).toEqual([
      {
        message: expect.objectContaining({
          action: 'rerun',
          jobId: 82,
          runId: 500,
          killedBy: 'evicted',
          attempt: 0,
        }),
        delaySeconds: 60,
      },
    ]);
    expect(metrics.total('InfrastructureKills', { RunnerClass: 'linux-small', Reason: 'evicted' })).toBe(1);
    expect(cluster.pods.size).toBe(0);
  });

  it('are not taken for a job that failed on its own: an OOM-killed runner container is the job', async () => {
    // Prepare
    const { cluster, queue, metrics, reconcile } = await runnerThatTookAJob(83);
    cluster.setPhase(runnerFor(83), 'Failed', 'oom-killed');

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ queuedReruns: 0, removedFinished: 1 });
    expect(queue.sent).toEqual([]);
    expect(metrics.total('InfrastructureKills')).toBe(0);
  });

  it('are counted, but not re-run, when re-runs are turned off', async () => {
    // Prepare
    const config = testConfig({ reconciler: { maxInfrastructureReruns: 0 } });
    const { cluster, queue, metrics, reconcile } = await runnerThatTookAJob(84, 84, config);
    cluster.setPhase(runnerFor(84), 'Failed', 'failed', 'node-lost');

    // Act
    await reconcile();

    // Assess
    expect(queue.sent).toEqual([]);
    expect(metrics.total('InfrastructureKills', { Reason: 'node-lost' })).toBe(1);
    expect(cluster.pods.size).toBe(0);
  });

  it("queue one re-run between the scaler's completed and the reconciler, whichever meets the pod first", async () => {
    // Prepare
    const { cluster, queue, runBatch, reconcile } = await runnerThatTookAJob(85);
    cluster.setPhase(runnerFor(85), 'Failed', 'evicted', 'node-shutdown');
    const pod = await livePod(cluster, runnerFor(85));

    // Act: the completed that names the killed runner, then a reconciler run on an earlier listing.
    const [outcome] = await runBatch(completedOn(pod, 85, 500));
    const summary = await reconcile();

    // Assess
    expect(outcome).toMatchObject({
      kind: 'done',
      result: expect.stringContaining('re-run once its run completes'),
    });
    expect(summary).toMatchObject({ queuedReruns: 0 });
    expect(queue.sent.map(({ message }) => [message.action, message.jobId])).toEqual([['rerun', 85]]);
  });

  it("re-run the job they took when their own job's completed comes first, and go only then", async () => {
    // Prepare: runner 94 took job 95 and was evicted; job 94 was cancelled before any runner took it.
    const { cluster, queue, runBatch, reconcile } = await runnerThatTookAJob(94, 95);
    cluster.setPhase(runnerFor(94), 'Failed', 'evicted', 'evicted');

    // Act: job 94's completed frees its own pod, then the reconciler runs.
    const [outcome] = await runBatch(jobMessage({ jobId: 94, action: 'completed', runnerName: null }));
    const summary = await reconcile();

    // Assess
    expect(outcome).toEqual({
      kind: 'done',
      result: 'left linux-small-94 to the reconciler: the infrastructure killed it',
    });
    expect(summary).toMatchObject({ queuedReruns: 1, removedFinished: 1 });
    expect(queue.sent.map(({ message }) => [message.action, message.jobId, message.killedBy])).toEqual([
      ['rerun', 95, 'evicted'],
    ]);
    expect(cluster.pods.size).toBe(0);
  });

  it('queue the re-run from the completed of the job they ran, and leave the pod to the reconciler, so a failing cluster cannot lose it', async () => {
    // Prepare: runner 96 ran its job and was evicted; the API server then refuses deletes.
    const { cluster, queue, runBatch, reconcile } = await runnerThatTookAJob(96);
    cluster.setPhase(runnerFor(96), 'Failed', 'evicted', 'evicted');
    const pod = await livePod(cluster, runnerFor(96));
    const deletePod = cluster.deletePod.bind(cluster);
    cluster.deletePod = async () => {
      throw new Error('the API server is unavailable');
    };

    // Act: the job's completed, then, once deletes work again, a reconciler run.
    const [outcome] = await runBatch(completedOn(pod, 96, 500));
    cluster.deletePod = deletePod;
    const summary = await reconcile();

    // Assess
    expect(outcome).toEqual({
      kind: 'done',
      result: 'linux-small-96 was killed: the job is re-run once its run completes',
    });
    expect(summary).toMatchObject({ queuedReruns: 0, removedFinished: 1 });
    expect(queue.sent.map(({ message }) => [message.action, message.jobId])).toEqual([['rerun', 96]]);
    expect(cluster.pods.size).toBe(0);
  });

  it('send the re-run before marking the pod, so a failed mark costs a duplicate, never the re-run', async () => {
    // Prepare: runner 97 ran its job and was preempted; the API server refuses the next patch.
    const { cluster, queue, reconcile } = await runnerThatTookAJob(97);
    cluster.setPhase(runnerFor(97), 'Failed', 'failed', 'preempted');
    const annotatePod = cluster.annotatePod.bind(cluster);
    cluster.annotatePod = async () => {
      cluster.annotatePod = annotatePod;
      throw new Error('the API server is unavailable');
    };

    // Act
    const first = await reconcile();
    const second = await reconcile();

    // Assess
    expect([first.failedSteps, second.queuedReruns, second.removedFinished]).toEqual([1, 1, 1]);
    expect(queue.sent.map(({ message }) => [message.action, message.jobId])).toEqual([
      ['rerun', 97],
      ['rerun', 97],
    ]);
    expect(cluster.pods.size).toBe(0);
  });

  it('are not removed as idle spares when killed while GitHub was asked, so the job that ran on them is re-run', async () => {
    // Prepare: runner 98 looks idle for ten minutes, its own job done; job 99 took it unannounced,
    // and it is killed while the reconciler deregisters it.
    const { cluster, registry, queue, runBatch, reconcile, advance } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 98 }));
    cluster.setPhase(runnerFor(98), 'Running');
    registry.jobs.set(98, 'completed');
    const pod = await livePod(cluster, runnerFor(98));
    const deregister = registry.deregister.bind(registry);
    registry.deregister = async (runner) => {
      cluster.setPhase(runnerFor(98), 'Failed', 'evicted', 'evicted');
      return deregister(runner);
    };
    advance(10 * 60_000);

    // Act: the reconciler runs twice, then job 99's completed arrives.
    const first = await reconcile();
    const second = await reconcile();
    await runBatch(completedOn(pod, 99, 503));

    // Assess
    expect([first.removedSpares, second.removedUnstarted]).toEqual([0, 1]);
    expect(queue.sent.map(({ message }) => [message.action, message.jobId, message.killedBy])).toEqual([
      ['rerun', 99, 'evicted'],
    ]);
  });

  it('queue the re-run from the completed that claims the kept runner, though the reconciler removed the pod meanwhile', async () => {
    // Prepare: job 100 ran on runner 101, unannounced; it was killed, and the reconciler, replacing
    // it, keeps its runner and removes the pod just as the completed reads it.
    const { cluster, queue, runBatch } = await runnerThatTookAJob(101, 100);
    const pod = await evictAndKeepRunner(cluster, 101);
    cluster.annotatePod = async (ref) => {
      await cluster.deletePod(ref);
      return undefined;
    };

    // Act
    const [outcome] = await runBatch(completedOn(pod, 100, 500));

    // Assess
    expect(outcome).toMatchObject({ kind: 'done' });
    expect(queue.sent.map(({ message }) => [message.action, message.jobId])).toEqual([['rerun', 100]]);
  });

  it('re-run a job killed before its in_progress reached us, when GitHub says it ran on that runner', async () => {
    // Prepare: runner 86 was preempted; GitHub's job record names it.
    const { cluster, registry, queue, runBatch, reconcile } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 86 }));
    cluster.setPhase(runnerFor(86), 'Failed', 'failed', 'preempted');
    registry.jobs.set(86, 'in_progress');
    registry.ranOn.set(86, runnerFor(86));

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ queuedReruns: 1, replaced: 0 });
    expect(queue.sent.map(({ message }) => [message.action, message.jobId, message.killedBy])).toEqual([
      ['rerun', 86, 'preempted'],
    ]);
    expect(cluster.pods.size).toBe(0);
  });

  it('keep the runner of a killed pod, once the pod goes, for the job that ran on it unannounced, and re-run that job once', async () => {
    // Prepare: runner 87 took job 88, whose in_progress was lost; job 87 ran on job 9's runner, and
    // job 9 is done too, so no job waits for a replacement.
    const { cluster, registry, queue, runBatch, reconcile } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 87 }));
    const pod = await livePod(cluster, runnerFor(87));
    cluster.setPhase(runnerFor(87), 'Failed', 'failed', 'node-lost');
    registry.jobs.set(87, 'completed');
    registry.ranOn.set(87, 'linux-small-9');
    registry.jobs.set(9, 'completed');

    // Act: the reconciler runs, then job 88's completed, naming the runner by its ID, twice.
    const summary = await reconcile();
    const completed = completedOn(pod, 88, 501);
    const [first] = await runBatch(completed);
    const [again] = await runBatch(completed);

    // Assess: the reconciler read job 87 and job 9, whose runner 87's took, and removed the pod.
    expect(summary).toMatchObject({ removedUnstarted: 1, gitHubCalls: 2 });
    expect(first).toMatchObject({
      kind: 'done',
      result: expect.stringContaining('the infrastructure killed it'),
    });
    expect(again).toEqual({ kind: 'done', result: `${pod.name}, which ran job 88, is gone` });
    expect(queue.sent.map(({ message }) => [message.action, message.jobId, message.killedBy])).toEqual([
      ['rerun', 88, 'node-lost'],
    ]);
    expect(cluster.pods.size).toBe(0);
    expect(cluster.killedRunners.size).toBe(0);
  });

  it('forget a killed runner no completed claimed after 15 minutes', async () => {
    // Prepare
    const { cluster, registry, queue, runBatch, reconcile, advance } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 89 }));
    cluster.setPhase(runnerFor(89), 'Failed', 'failed', 'evicted');
    registry.jobs.set(89, 'completed');
    const first = await reconcile();
    advance(14 * 60_000);
    const meanwhile = await reconcile();

    // Act
    advance(2 * 60_000);
    const later = await reconcile();

    // Assess
    expect([first.removedUnstarted, meanwhile.forgottenKilledRunners, later.forgottenKilledRunners]).toEqual([
      1, 0, 1,
    ]);
    expect(queue.sent).toEqual([]);
    expect(cluster.pods.size).toBe(0);
    expect(cluster.killedRunners.size).toBe(0);
  });

  it('re-run a job that ran unannounced on a killed runner replaced at once under its name', async () => {
    // Prepare: runner 92's own job still waits; job 93 took the runner, unannounced, and it was killed.
    const { cluster, queue, runBatch, reconcile } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 92 }));
    const killed = await livePod(cluster, runnerFor(92));
    cluster.setPhase(runnerFor(92), 'Failed', 'failed', 'preempted');

    // Act: the reconciler replaces it; the scaler makes the replacement; then job 93's completed.
    await reconcile();
    await runBatch(...queue.sent.splice(0).map(({ message }) => message));
    const replacement = await livePod(cluster, runnerFor(92));
    const [outcome] = await runBatch(completedOn(killed, 93, 502));

    // Assess: job 93 is to be re-run, and the replacement, which runs nothing yet, stays.
    expect(outcome).toMatchObject({
      kind: 'done',
      result: expect.stringContaining('the infrastructure killed it'),
    });
    expect(queue.sent.map(({ message }) => [message.action, message.jobId, message.killedBy])).toEqual([
      ['rerun', 93, 'preempted'],
    ]);
    expect(await livePod(cluster, runnerFor(92))).toMatchObject({ uid: replacement.uid, deleting: false });
    expect(replacement.uid).not.toBe(killed.uid);
  });
});
