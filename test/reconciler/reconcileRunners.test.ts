import { describe, expect, it } from 'vitest';
import { AutoscalerError } from '../../lib/errors.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { livePod } from '../helpers/livePod.ts';
import { reconcilerHarness } from '../helpers/reconcilerHarness.ts';

const MINUTE = 60_000;

const runnerFor = (jobId: number) => `linux-small-${jobId}`;

describe('reconciler', () => {
  it('removes finished runner pods and their Secrets, and leaves live ones alone', async () => {
    // Prepare: 1 finished its job, 2 failed after taking one, 3 runs, 4 is still registering.
    const { cluster, runBatch, reconcile } = reconcilerHarness();
    await runBatch(...[1, 2, 3].map((jobId) => jobMessage({ jobId })));
    cluster.setPhase(runnerFor(1), 'Succeeded');
    cluster.setPhase(runnerFor(2), 'Failed', 'oom-killed');
    await cluster.annotatePod(await livePod(cluster, runnerFor(2)), { [ANNOTATION.runningJobId]: '2' });
    cluster.setPhase(runnerFor(3), 'Running');

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ removedFinished: 2, gitHubCalls: 0 });
    expect([...cluster.pods.keys()]).toEqual([runnerFor(3)]);
    expect([...cluster.secrets.keys()]).toEqual([`${runnerFor(3)}-runner`]);
  });

  it('replaces a runner that failed before taking its still-queued job, and the scaler makes it anew', async () => {
    // Prepare
    const { cluster, queue, metrics, runBatch, reconcile } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 5, deliveryId: 'd-5' }));
    cluster.setPhase(runnerFor(5), 'Failed', 'evicted');

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ replaced: 1, gitHubCalls: 1 });
    expect(cluster.pods.has(runnerFor(5))).toBe(false);
    expect(queue.sent).toEqual([
      {
        message: expect.objectContaining({ jobId: 5, deliveryId: 'd-5', action: 'queued', replacements: 1 }),
        delaySeconds: 30,
      },
    ]);
    expect(metrics.total('RunnerReplacements', { RunnerClass: 'linux-small' })).toBe(1);

    // Act again: the message reaches the scaler.
    await runBatch(...queue.sent.splice(0).map(({ message }) => message));
    expect(await cluster.readPod(runnerFor(5))).toMatchObject({ phase: 'Pending', gated: false });
  });

  it('replaces a runner that did not start within the class start timeout, and not before', async () => {
    // Prepare
    const { cluster, queue, runBatch, reconcile, advance } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 6 }));
    cluster.setPhase(runnerFor(6), 'Pending', 'image-pull');

    // Act
    advance(8 * MINUTE);
    const early = await reconcile();
    advance(3 * MINUTE);
    const late = await reconcile();

    // Assess
    expect(early).toMatchObject({ replaced: 0, gitHubCalls: 0 });
    expect(late).toMatchObject({ replaced: 1 });
    expect(queue.sent.map(({ message }) => message.jobId)).toEqual([6]);
  });

  it('replaces a pod whose registration never finished, once the start timeout has passed', async () => {
    // Prepare: GitHub refused the registration and the rollback's delete failed, so the pod stayed gated.
    const { cluster, registry, queue, runBatch, reconcile, advance } = reconcilerHarness();
    registry.failNextRegistration = new AutoscalerError('GitHub: 403', { kind: 'github', retryable: false });
    cluster.deletePod = async () => false;
    await runBatch(jobMessage({ jobId: 20 }));
    queue.deadLetters.splice(0);
    delete (cluster as { deletePod?: unknown }).deletePod;

    // Act
    const early = await reconcile();
    advance(11 * MINUTE);
    const late = await reconcile();

    // Assess
    expect(early).toMatchObject({ replaced: 0 });
    expect(late).toMatchObject({ replaced: 1 });
    expect(cluster.pods.has(runnerFor(20))).toBe(false);
    expect(queue.sent.map(({ message }) => [message.jobId, message.replacements])).toEqual([[20, 1]]);
  });

  it('is safe to run twice at once: each broken pod goes once, and its job ends up with one runner', async () => {
    // Prepare
    const { cluster, queue, runBatch, reconcile } = reconcilerHarness();
    await runBatch(...[21, 22].map((jobId) => jobMessage({ jobId })));
    cluster.setPhase(runnerFor(21), 'Failed', 'evicted');
    cluster.setPhase(runnerFor(22), 'Succeeded');

    // Act: two reconcilers at once, then the scaler takes whatever they queued.
    const [first, second] = await Promise.all([reconcile(), reconcile()]);
    await runBatch(...queue.sent.splice(0).map(({ message }) => message));

    // Assess
    expect(first.failedSteps + second.failedSteps).toBe(0);
    expect(first.removedFinished + second.removedFinished).toBe(1);
    expect([...cluster.pods.keys()]).toEqual([runnerFor(21)]);
    expect(await cluster.readPod(runnerFor(21))).toMatchObject({ phase: 'Pending', gated: false });
  });

  it('parks the job in the dead-letter queue once maxReplacements runners failed to start', async () => {
    // Prepare: this pod is already the third replacement.
    const { cluster, queue, runBatch, reconcile } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 7, replacements: 3 }));
    cluster.setPhase(runnerFor(7), 'Failed', 'image-pull');

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ gaveUp: 1, replaced: 0 });
    expect(queue.sent).toEqual([]);
    expect(queue.deadLetters).toEqual([
      {
        body: expect.stringContaining('"jobId":7'),
        reason: expect.stringMatching(
          /^4 runner pods for job 7 could not start; last: failed before taking a job \(image-pull\)/,
        ),
      },
    ]);
    expect(cluster.pods.size).toBe(0);
  });

  it('only removes a runner that could not start when GitHub no longer queues its job', async () => {
    // Prepare
    const { cluster, registry, queue, runBatch, reconcile } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 8 }));
    cluster.setPhase(runnerFor(8), 'Failed');
    registry.jobs.set(8, 'completed');

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ removedUnstarted: 1, replaced: 0 });
    expect(queue.sent).toEqual([]);
    expect(cluster.pods.size).toBe(0);
  });

  it("replaces a broken runner for the queued job whose runner its own job took, under the broken pod's name", async () => {
    // Prepare: pod 40 was OOM-killed, so job 40 took job 41's runner and finished; that pod is gone.
    // Job 43's pod, also killed, lent its job job 42's runner, which still runs it.
    const { cluster, registry, queue, runBatch, reconcile } = reconcilerHarness();
    await runBatch(...[40, 41, 42, 43].map((jobId) => jobMessage({ jobId, deliveryId: `d-${jobId}` })));
    for (const jobId of [40, 43]) cluster.setPhase(runnerFor(jobId), 'Failed', 'oom-killed');
    await cluster.deletePod(await livePod(cluster, runnerFor(41)));
    cluster.setPhase(runnerFor(42), 'Running');
    await cluster.annotatePod(await livePod(cluster, runnerFor(42)), { [ANNOTATION.runningJobId]: '43' });
    registry.jobs.set(40, 'completed');
    registry.ranOn.set(40, runnerFor(41));
    registry.jobs.set(43, 'in_progress');
    registry.ranOn.set(43, runnerFor(42));

    // Act
    const summary = await reconcile();
    await runBatch(...queue.sent.splice(0).map(({ message }) => message));

    // Assess: jobs 41 and 42 each get a runner again, where the broken pods were.
    expect(summary).toMatchObject({ replaced: 2, removedUnstarted: 0, gitHubCalls: 4 });
    const standIn = async (podName: string) => {
      const pod = await cluster.readPod(podName);
      return [pod?.phase, JSON.parse(pod?.annotations[ANNOTATION.job] ?? '{}').jobId];
    };
    expect(await standIn(runnerFor(40))).toEqual(['Pending', 41]);
    expect(await standIn(runnerFor(43))).toEqual(['Pending', 42]);
    expect(
      JSON.parse((await cluster.readPod(runnerFor(43)))?.annotations[ANNOTATION.job] ?? ''),
    ).toMatchObject({ deliveryId: 'd-42', replacements: 1 });
  });

  it('does not replace a broken runner when the job whose runner its job took is not queued either', async () => {
    // Prepare
    const { cluster, registry, queue, runBatch, reconcile } = reconcilerHarness();
    await runBatch(...[44, 45].map((jobId) => jobMessage({ jobId })));
    cluster.setPhase(runnerFor(44), 'Failed', 'oom-killed');
    await cluster.deletePod(await livePod(cluster, runnerFor(45)));
    registry.jobs.set(44, 'completed');
    registry.ranOn.set(44, runnerFor(45));
    registry.jobs.set(45, 'completed');

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ replaced: 0, removedUnstarted: 1 });
    expect(queue.sent).toEqual([]);
    expect(cluster.pods.size).toBe(0);
  });

  it('removes an idle spare whose job is done, but never a busy runner or one its job still waits for', async () => {
    // Prepare: three runners that took no job for ten minutes.
    const { cluster, registry, runBatch, reconcile, advance } = reconcilerHarness();
    await runBatch(...[9, 10, 11].map((jobId) => jobMessage({ jobId })));
    for (const jobId of [9, 10, 11]) cluster.setPhase(runnerFor(jobId), 'Running');
    registry.jobs.set(9, 'completed');
    registry.jobs.set(10, 'completed');
    registry.states.set(runnerFor(10), 'busy');
    advance(10 * MINUTE);

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ removedSpares: 1 });
    expect([...cluster.pods.keys()].sort()).toEqual([runnerFor(10), runnerFor(11)]);
    expect(registry.deregistered.map(({ name }) => name)).toEqual([runnerFor(9)]);
  });

  it('deregisters ghost runners (no pod, offline, idle) in its sweep minutes only', async () => {
    // Prepare: runner 17's pod was killed with it; 18 lives; "other-9" is not ours; 19 is offline but busy.
    // Stranded jobs are swept in other minutes.
    const { cluster, registry, runBatch, reconcile, advance } = reconcilerHarness(
      testConfig({ reconciler: { strandedJobSweepEveryMinutes: 7 } }),
    );
    await runBatch(...[17, 18].map((jobId) => jobMessage({ jobId })));
    cluster.setPhase(runnerFor(18), 'Running');
    await cluster.deletePod(await livePod(cluster, runnerFor(17)));
    registry.states.set('other-9', 'idle');
    registry.states.set(runnerFor(19), 'busy');

    // Act: 10:01 is no sweep minute; 10:10 is.
    const offMinute = await reconcile();
    advance(9 * MINUTE);
    const sweepMinute = await reconcile();

    // Assess
    expect(offMinute).toMatchObject({ removedGhosts: 0, gitHubCalls: 0 });
    // Six calls: the installations, the runners, one deregistration, and runner 18's job, whether
    // its runner group may run it, and its runner, as a possible spare; its job still waits, so it is
    // opened to disruption instead.
    expect(sweepMinute).toMatchObject({
      removedGhosts: 1,
      removedSpares: 0,
      openedToDisruption: 1,
      gitHubCalls: 6,
    });
    expect(registry.deregistered.map(({ name, installationId }) => [name, installationId])).toEqual([
      [runnerFor(17), 42],
    ]);
  });

  it('spends at most maxGitHubCallsPerRun on GitHub, leaving the rest for the next run', async () => {
    // Prepare: a replacement may read two jobs (its own, and one whose runner its job took).
    const base = testConfig();
    const config = { ...base, reconciler: { ...base.reconciler, maxGitHubCallsPerRun: 4 } };
    const { cluster, queue, metrics, runBatch, reconcile } = reconcilerHarness(config);
    await runBatch(...[12, 13, 14, 15].map((jobId) => jobMessage({ jobId })));
    for (const jobId of [12, 13, 14, 15]) cluster.setPhase(runnerFor(jobId), 'Failed');

    // Act
    const first = await reconcile();
    const second = await reconcile();

    // Assess
    expect(first).toMatchObject({ replaced: 2, deferred: 2, gitHubCalls: 2 });
    expect(second).toMatchObject({ replaced: 2, deferred: 0, gitHubCalls: 2 });
    expect(queue.sent.map(({ message }) => message.jobId).sort()).toEqual([12, 13, 14, 15]);
    expect(metrics.points('ReconcilerGitHubCalls').map(({ value }) => value)).toEqual([2, 2]);
  });

  it('carries on past a step GitHub fails, and keeps the pod for the next run', async () => {
    // Prepare
    const { cluster, registry, runBatch, reconcile, log } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 16 }));
    cluster.setPhase(runnerFor(16), 'Failed');
    registry.readJob = async () => {
      throw new AutoscalerError('GitHub: could not read job 16 (502)', { kind: 'github', retryable: true });
    };

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ failedSteps: 1, replaced: 0 });
    expect(cluster.pods.has(runnerFor(16))).toBe(true);
    expect(
      log.lines.find((line) => line.message.startsWith('reconcile step failed'))?.attributes,
    ).toMatchObject({
      podName: runnerFor(16),
      error: expect.stringContaining('(502)'),
    });
  });
});
