import { describe, expect, it } from 'vitest';
import { AutoscalerError } from '../../lib/errors.ts';
import { DO_NOT_DISRUPT } from '../../lib/pod/disruption.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { jobMessage, testConfigWithMaxRunners } from '../helpers/factories.ts';
import { livePod } from '../helpers/livePod.ts';
import { reconcilerHarness } from '../helpers/reconcilerHarness.ts';

const MINUTE = 60_000;
const runnerFor = (jobId: number) => `linux-small-${jobId}`;

/** A reconciler harness with one idle runner per job, made ten minutes ago, each job held for an approval. */
async function idleRunnersOfWaitingJobs(...jobIds: number[]) {
  const harness = reconcilerHarness();
  await harness.runBatch(...jobIds.map((jobId) => jobMessage({ jobId, deliveryId: `d-${jobId}` })));
  for (const jobId of jobIds) {
    harness.cluster.setPhase(runnerFor(jobId), 'Running');
    harness.registry.jobs.set(jobId, 'waiting');
  }
  harness.advance(10 * MINUTE);
  return harness;
}

describe('reconciler on jobs GitHub holds for an approval', () => {
  it('removes the idle runner made for one, deregistered by its runner ID first, and puts the job back to look at later', async () => {
    // Prepare
    const { cluster, registry, queue, metrics, reconcile } = await idleRunnersOfWaitingJobs(401);
    const runnerId = Number((await livePod(cluster, runnerFor(401))).annotations[ANNOTATION.runnerId]);

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({
      parkedForApproval: 1,
      removedSpares: 0,
      openedToDisruption: 0,
      gitHubCalls: 2,
    });
    expect(registry.deregistered).toEqual([expect.objectContaining({ name: runnerFor(401), id: runnerId })]);
    expect(cluster.pods.size).toBe(0);
    expect(cluster.secrets.size).toBe(0);
    expect(queue.sent).toEqual([
      {
        message: expect.objectContaining({
          jobId: 401,
          deliveryId: 'd-401',
          action: 'queued',
          attempt: 0,
          waitingChecks: 1,
          podName: runnerFor(401),
        }),
        delaySeconds: 60,
      },
    ]);
    expect(metrics.total('JobsWaitingForApproval', { RunnerClass: 'linux-small' })).toBe(1);
    expect(
      metrics.total('RunnerPodsDeleted', { RunnerClass: 'linux-small', Reason: 'waiting-for-approval' }),
    ).toBe(1);
    expect(queue.deadLetters).toEqual([]);
  });

  it('never removes a runner that took a job meanwhile: GitHub refuses to deregister it, and the look finds the job running', async () => {
    // Prepare: approved just now, the job took its runner; its in_progress has not reached us.
    const { cluster, registry, queue, runBatch, reconcile, advance } = await idleRunnersOfWaitingJobs(402);
    registry.states.set(runnerFor(402), 'busy');

    // Act
    await reconcile();
    registry.jobs.set(402, 'in_progress');
    advance(MINUTE);
    const [look] = await runBatch(...queue.sent.splice(0).map(({ message }) => message));

    // Assess
    expect(registry.deregistered).toEqual([]);
    expect((await livePod(cluster, runnerFor(402))).annotations[DO_NOT_DISRUPT]).toBe('true');
    expect(look).toEqual({
      kind: 'done',
      result: 'job 402 is in_progress on GitHub already; no runner made',
    });
    expect(cluster.pods.size).toBe(1);
  });

  it('puts the job back before its runner goes, so a failure in between costs a second look, never the job', async () => {
    // Prepare
    const { cluster, queue, reconcile } = await idleRunnersOfWaitingJobs(403);
    const deletePod = cluster.deletePod.bind(cluster);
    cluster.deletePod = async () => {
      throw new AutoscalerError('Kubernetes: 503', { kind: 'kubernetes', retryable: true });
    };

    // Act
    const failing = await reconcile();
    cluster.deletePod = deletePod;
    const next = await reconcile();

    // Assess
    expect(failing).toMatchObject({ failedSteps: 1, parkedForApproval: 1 });
    expect(next).toMatchObject({ failedSteps: 0, parkedForApproval: 1 });
    expect(queue.sent.map(({ message }) => message.jobId)).toEqual([403, 403]);
    expect(cluster.pods.size).toBe(0);
  });

  it('does not replace a broken runner of one, nor dead-letter it, however many replacements it had', async () => {
    // Prepare: 404's runner is its third replacement and cannot pull its image. Job 405 took job
    // 406's runner, which is gone, and its own pod was OOM-killed; 406 waits for an approval.
    const { cluster, registry, queue, reconcile, runBatch } = reconcilerHarness();
    await runBatch(
      jobMessage({ jobId: 404, replacements: 3 }),
      ...[405, 406].map((jobId) => jobMessage({ jobId })),
    );
    cluster.setPhase(runnerFor(404), 'Failed', 'image-pull');
    cluster.setPhase(runnerFor(405), 'Failed', 'oom-killed');
    await cluster.deletePod(await livePod(cluster, runnerFor(406)));
    registry.jobs.set(404, 'waiting');
    registry.jobs.set(405, 'completed');
    registry.ranOn.set(405, runnerFor(406));
    registry.jobs.set(406, 'waiting');

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ parkedForApproval: 2, replaced: 0, gaveUp: 0 });
    expect(queue.deadLetters).toEqual([]);
    expect(
      queue.sent.map(({ message, delaySeconds }) => [
        message.jobId,
        message.podName,
        message.replacements,
        delaySeconds,
      ]),
    ).toEqual([
      [404, runnerFor(404), 3, 60],
      [406, runnerFor(405), 0, 60],
    ]);
    expect(cluster.pods.size).toBe(0);
  });

  it('holds no place for hours of waiting, and gets the job its runner at the first look after the approval', async () => {
    // Prepare: the class has one place; job 407 waits for an approval.
    const config = testConfigWithMaxRunners(1);
    const { cluster, registry, queue, metrics, runBatch, reconcile, advance } = reconcilerHarness(config);
    await runBatch(jobMessage({ jobId: 407 }));
    cluster.setPhase(runnerFor(407), 'Running');
    registry.jobs.set(407, 'waiting');
    advance(10 * MINUTE);
    await reconcile();

    // Act: three hours of looks, and another job's runner in the free place meanwhile; then the approval.
    let waited = 0;
    while (waited < 3 * 60 * MINUTE) {
      const [parked] = queue.sent.splice(0);
      if (!parked) throw new Error('test: expected job 407 to be looked at again');
      advance((parked.delaySeconds ?? 0) * 1000);
      waited += (parked.delaySeconds ?? 0) * 1000;
      await runBatch(parked.message);
      await reconcile();
    }
    await runBatch(
      jobMessage({
        jobId: 408,
        createdAt: new Date(Date.parse('2026-11-28T10:00:00Z') + waited).toISOString(),
      }),
    );
    const tookThePlace = cluster.pods.has(runnerFor(408));
    cluster.setPhase(runnerFor(408), 'Succeeded');
    await reconcile();
    registry.jobs.set(407, 'queued');
    const [look] = queue.sent.splice(0);
    advance((look?.delaySeconds ?? 0) * 1000);
    await runBatch(...(look ? [look.message] : []));

    // Assess
    expect(tookThePlace).toBe(true);
    expect(look?.delaySeconds).toBe(900);
    expect(await cluster.readPod(runnerFor(407))).toMatchObject({ gated: false, phase: 'Pending' });
    expect(queue.sent).toEqual([]);
    expect(queue.deadLetters).toEqual([]);
    expect(metrics.points('JobWaitingSeconds')).toEqual([]);
  });
});
