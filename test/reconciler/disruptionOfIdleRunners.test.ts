import { describe, expect, it } from 'vitest';
import { DO_NOT_DISRUPT, SAFE_TO_EVICT } from '../../lib/pod/disruption.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { jobMessage } from '../helpers/factories.ts';
import { livePod } from '../helpers/livePod.ts';
import { reconcilerHarness } from '../helpers/reconcilerHarness.ts';

const MINUTE = 60_000;
const runnerFor = (jobId: number) => `linux-small-${jobId}`;
const disruption = async (cluster: Parameters<typeof livePod>[0], jobId: number) => {
  const { annotations } = await livePod(cluster, runnerFor(jobId));
  return [annotations[DO_NOT_DISRUPT], annotations[SAFE_TO_EVICT]];
};

describe('disruption of idle runners', () => {
  it('keeps a runner protected while it is young, and opens it once idle with its own job still waiting', async () => {
    // Prepare: runner 61's job is still queued (a concurrency group holds it, say); 62 runs a job.
    const { cluster, runBatch, reconcile, advance } = reconcilerHarness();
    await runBatch(...[61, 62].map((jobId) => jobMessage({ jobId })));
    for (const jobId of [61, 62]) cluster.setPhase(runnerFor(jobId), 'Running');
    await cluster.annotatePod(await livePod(cluster, runnerFor(62)), { [ANNOTATION.runningJobId]: '62' });

    // Act / Assess: a minute on, both are young and protected.
    advance(MINUTE);
    expect(await reconcile()).toMatchObject({ openedToDisruption: 0 });
    expect(await disruption(cluster, 61)).toEqual(['true', 'false']);

    // Act / Assess: ten minutes on, the idle one is open to disruption; the busy one is not.
    advance(10 * MINUTE);
    expect(await reconcile()).toMatchObject({ openedToDisruption: 1, removedSpares: 0 });
    expect(await disruption(cluster, 61)).toEqual([undefined, 'true']);
    expect(await disruption(cluster, 62)).toEqual(['true', 'false']);
    expect(await reconcile()).toMatchObject({ openedToDisruption: 0 });
  });

  it('does not open a runner that GitHub calls busy, or one kept for a job whose runner was taken', async () => {
    // Prepare: 66 took a job whose in_progress has not reached us; 67's own job ran elsewhere.
    const { cluster, registry, runBatch, reconcile, advance } = reconcilerHarness();
    await runBatch(...[66, 67].map((jobId) => jobMessage({ jobId })));
    for (const jobId of [66, 67]) cluster.setPhase(runnerFor(jobId), 'Running');
    registry.states.set(runnerFor(66), 'busy');
    registry.jobs.set(67, 'in_progress');
    advance(10 * MINUTE);

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ openedToDisruption: 0, removedSpares: 0 });
    expect(await disruption(cluster, 66)).toEqual(['true', 'false']);
    expect(await disruption(cluster, 67)).toEqual(['true', 'false']);
  });

  it('removes an idle runner whose queued job its runner group may not run, and keeps it while GitHub cannot say', async () => {
    // Prepare: 68 and 69 were made before their repositories' access changed; GitHub queues both.
    const { cluster, registry, metrics, runBatch, reconcile, advance } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 68, repository: 'acme/secret' }), jobMessage({ jobId: 69 }));
    for (const jobId of [68, 69]) cluster.setPhase(runnerFor(jobId), 'Running');
    registry.closedToRepositories.add('acme/secret');
    const openTo = registry.runnerGroupOpenTo.bind(registry);
    registry.runnerGroupOpenTo = (installationId, org, repository) =>
      repository === 'acme/app'
        ? Promise.reject(new Error('GitHub: 502'))
        : openTo(installationId, org, repository);
    advance(10 * MINUTE);

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ removedSpares: 1, openedToDisruption: 1 });
    expect([...cluster.pods.keys()]).toEqual([runnerFor(69)]);
    expect(registry.deregistered.map(({ name }) => name)).toEqual([runnerFor(68)]);
    expect(metrics.total('JobsNoRunnerGroupOpen', { RunnerClass: 'linux-small' })).toBe(1);
  });

  it('protects an opened runner again when a job starts on it', async () => {
    // Prepare
    const { cluster, runBatch, reconcile, advance } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 63 }));
    cluster.setPhase(runnerFor(63), 'Running');
    advance(10 * MINUTE);
    await reconcile();
    const { annotations } = await livePod(cluster, runnerFor(63));

    // Act
    await runBatch(
      jobMessage({
        jobId: 64,
        action: 'in_progress',
        runnerName: runnerFor(63),
        runnerId: Number(annotations[ANNOTATION.runnerId]),
      }),
    );

    // Assess
    expect(await disruption(cluster, 63)).toEqual(['true', 'false']);
  });

  it('protects at once a runner that GitHub calls busy, though no in_progress told us', async () => {
    // Prepare: opened while its job was queued; then its job was cancelled and another took the runner.
    const { cluster, registry, runBatch, reconcile, advance } = reconcilerHarness();
    await runBatch(jobMessage({ jobId: 65 }));
    cluster.setPhase(runnerFor(65), 'Running');
    advance(10 * MINUTE);
    await reconcile();
    registry.jobs.set(65, 'completed');
    registry.states.set(runnerFor(65), 'busy');

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ removedSpares: 0 });
    expect(await disruption(cluster, 65)).toEqual(['true', 'false']);
  });
});
