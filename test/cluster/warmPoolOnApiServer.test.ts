import { describe, expect, inject, it } from 'vitest';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { DO_NOT_DISRUPT } from '../../lib/pod/disruption.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { reconcileRunners } from '../../lib/reconciler/reconcileRunners.ts';
import { processJobRecord } from '../../lib/scaler/processJobRecord.ts';
import { newBatchContext } from '../../lib/scaler/scalerContext.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { RecordingQueue } from '../helpers/scalerHarness.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { coreApi, scalerCluster, uniqueJobId } from './clusterClients.ts';

type Pool = NonNullable<RunnerClass['pool']>;

/** One class of the test's own with a warm pool, and the scaler and reconciler that serve it. */
function warmPoolOnApiServer(name: string, pool: Partial<Pool>, maxRunners = 20) {
  const base = testConfig();
  const template = base.runnerClasses.find((c) => c.containerMode === 'none') as RunnerClass;
  const config: AutoscalerConfig = {
    ...base,
    runnerClasses: [
      {
        ...template,
        name,
        labels: [name],
        maxRunners,
        pool: { size: 0, timezone: 'UTC', schedules: [], scope: 'acme', ...pool },
      },
    ],
  };
  const cluster = scalerCluster();
  const registry = new ScriptedRegistry();
  const metrics = new MetricsRecorder();
  const queue = new RecordingQueue();
  const runScaler = (...messages: JobMessage[]) => {
    const batch = newBatchContext({ config, cluster, registry, log: captureLog(), metrics });
    return Promise.all(messages.map((message) => processJobRecord(JSON.stringify(message), batch, queue)));
  };
  const reconcile = (now = new Date()) =>
    reconcileRunners({ config, cluster, registry, queue, log: captureLog(), metrics, now: () => now });
  /** The class's live pods by name: phase, and whether protected from disruption. */
  const pods = async () => {
    const { items } = await coreApi('admin').listNamespacedPod({
      namespace: inject('controlPlane').namespace,
      labelSelector: `eks-runner-autoscaler.io/class=${name}`,
    });
    return Object.fromEntries(
      items
        .filter((pod) => !pod.metadata?.deletionTimestamp)
        .map((pod) => [
          pod.metadata?.name ?? '',
          { phase: pod.status?.phase, protected: pod.metadata?.annotations?.[DO_NOT_DISRUPT] === 'true' },
        ]),
    );
  };
  const names = async () => Object.keys(await pods()).sort();
  /** GitHub gives the job to this runner: it is busy, and its in_progress says so. */
  const takeJob = (runnerName: string, job: JobMessage): JobMessage => {
    registry.states.set(runnerName, 'busy');
    return {
      ...job,
      action: 'in_progress',
      runnerName,
      runnerId: registry.runnerIds.get(runnerName) ?? null,
      startedAt: new Date().toISOString(),
    };
  };
  return { config, cluster, registry, metrics, queue, runScaler, reconcile, pods, names, takeJob };
}

const running = (pods: Record<string, { phase?: string | undefined }>) =>
  Object.values(pods).every(({ phase }) => phase === 'Running');

describe('warm pools on a real kube-apiserver', { timeout: 90_000 }, () => {
  it('fills the pool to its size with registered, disruptable runners, once however often it runs', async () => {
    // Prepare
    const { registry, cluster, reconcile, pods, names } = warmPoolOnApiServer('warm-fill', { size: 3 });

    // Act: two reconcilers at once, then another run.
    const summaries = await Promise.all([reconcile(), reconcile()]);
    await reconcile();

    // Assess
    expect(summaries.map((s) => s.failedSteps)).toEqual([0, 0]);
    expect(await names()).toEqual(['warm-fill-w1', 'warm-fill-w2', 'warm-fill-w3']);
    await expect.poll(async () => running(await pods()), { timeout: 20_000 }).toBe(true);
    expect(Object.values(await pods()).map((pod) => pod.protected)).toEqual([false, false, false]);
    expect(registry.registered.map(({ name, labels }) => [name, labels]).sort()).toEqual([
      ['warm-fill-w1', ['warm-fill']],
      ['warm-fill-w2', ['warm-fill']],
      ['warm-fill-w3', ['warm-fill']],
    ]);
    const secret = await cluster.readSecret('warm-fill-w1-runner');
    expect(secret?.ownerUid).toBe((await cluster.readPod('warm-fill-w1'))?.uid);
  });

  it('tops the pool up as soon as a warm runner takes a job, once for duplicated and reordered deliveries', async () => {
    // Prepare: a pool of two; a job queued, which GitHub gives to a warm runner.
    const { registry, metrics, runScaler, reconcile, pods, names, takeJob } = warmPoolOnApiServer(
      'warm-top',
      {
        size: 2,
      },
    );
    await reconcile();
    const job = jobMessage({ jobId: uniqueJobId(), runnerClass: 'warm-top', labels: ['warm-top'] });
    await runScaler(job);
    const started = takeJob('warm-top-w1', job);

    // Act: its in_progress twice at once, and once more later.
    await Promise.all([runScaler(started), runScaler({ ...started, deliveryId: 'again' })]);
    await runScaler(started);

    // Assess: the warm runner is protected, and exactly one top-up was made, named after the job.
    const topUp = `warm-top-w${job.jobId}`;
    expect(await names()).toEqual([`warm-top-${job.jobId}`, 'warm-top-w1', 'warm-top-w2', topUp].sort());
    await expect.poll(async () => (await pods())['warm-top-w1']?.protected).toBe(true);
    expect(registry.registered.filter(({ name }) => name === topUp)).toHaveLength(1);

    // Act again: the job completes on the warm runner, twice; a reconciler run follows.
    const completed: JobMessage = { ...started, action: 'completed', completedAt: new Date().toISOString() };
    await runScaler(completed);
    await runScaler(completed);
    const summary = await reconcile();

    // Assess: the warm runner and the job's own runner (a spare now) are gone; the pool is whole.
    expect(await names()).toEqual(['warm-top-w2', topUp].sort());
    expect(summary).toMatchObject({ warmRunnersCreated: 0, warmRunnersRemoved: 0, failedSteps: 0 });
    expect(registry.deregistered.map(({ name }) => name)).toEqual([`warm-top-${job.jobId}`]);
    expect(metrics.total('JobsServedByWarmRunners', { RunnerClass: 'warm-top' })).toBe(1);
  });

  it('tops the pool up when GitHub calls a warm runner busy whose in_progress is lost, and protects it', async () => {
    // Prepare
    const { runScaler, reconcile, pods, names, takeJob } = warmPoolOnApiServer('warm-busy', { size: 1 });
    await reconcile();
    await expect.poll(async () => running(await pods()), { timeout: 20_000 }).toBe(true);
    const job = jobMessage({ jobId: uniqueJobId(), runnerClass: 'warm-busy', labels: ['warm-busy'] });
    const started = takeJob('warm-busy-w1', job);

    // Act: a reconciler run before the in_progress comes, then the in_progress.
    const summary = await reconcile();
    await runScaler(started);

    // Assess: one top-up, by the reconciler; the late in_progress adds none.
    expect(summary).toMatchObject({ warmRunnersTaken: 1, warmRunnersCreated: 1, failedSteps: 0 });
    expect(await names()).toEqual(['warm-busy-w1', 'warm-busy-w2']);
    expect((await pods())['warm-busy-w1']?.protected).toBe(true);
  });

  it('shrinks by schedule, removing idle warm runners by identity and never a busy one', async () => {
    // Prepare: three warm runners by day, none at night. One took a job (in_progress),
    // one is busy on GitHub with its in_progress still on its way.
    // The scaler reads the real clock: it is day now, and night falls at one minute tomorrow.
    const day = new Date();
    const night = new Date(Math.floor(day.getTime() / 60_000) * 60_000 + 24 * 3600_000);
    const nightfall = `${night.getUTCMinutes()} ${night.getUTCHours()} ${night.getUTCDate()} ${night.getUTCMonth() + 1} *`;
    const schedules = [
      { cron: '* * * * *', size: 3 },
      { cron: nightfall, size: 0 },
    ];
    const { registry, runScaler, reconcile, names, takeJob, pods } = warmPoolOnApiServer('warm-night', {
      schedules,
    });
    await reconcile(day);
    await expect.poll(async () => running(await pods()), { timeout: 20_000 }).toBe(true);
    const job = jobMessage({ jobId: uniqueJobId(), runnerClass: 'warm-night', labels: ['warm-night'] });
    await runScaler(takeJob('warm-night-w1', job));
    registry.states.set('warm-night-w2', 'busy');
    const before = await names();

    // Act
    const summary = await reconcile(night);

    // Assess: only the idle one went, after GitHub agreed to deregister it; no new one was made.
    expect(before).toEqual(
      ['warm-night-w1', 'warm-night-w2', 'warm-night-w3', `warm-night-w${job.jobId}`].sort(),
    );
    expect(summary).toMatchObject({ warmRunnersRemoved: 2, warmRunnersCreated: 0, failedSteps: 0 });
    expect(await names()).toEqual(['warm-night-w1', 'warm-night-w2']);
    expect(registry.deregistered.map(({ name }) => name).sort()).toEqual(
      ['warm-night-w3', `warm-night-w${job.jobId}`].sort(),
    );
    expect((await pods())['warm-night-w2']?.protected).toBe(true);
  });

  it('never passes maxRunners with the pool and queued jobs together, and gives the jobs what is left', async () => {
    // Prepare: four places, a pool of three.
    const { queue, runScaler, reconcile, names } = warmPoolOnApiServer('warm-full', { size: 3 }, 4);
    const jobs = Array.from({ length: 3 }, () =>
      jobMessage({ jobId: uniqueJobId(), runnerClass: 'warm-full', labels: ['warm-full'] }),
    );

    // Act: the reconciler fills the pool while the jobs come, twice each.
    await Promise.all([reconcile(), runScaler(...jobs), runScaler(...jobs)]);
    await reconcile();

    // Assess
    const live = await names();
    expect(live).toHaveLength(4);
    const jobPods = live.filter((name) => !/-w\d+$/.test(name));
    expect(new Set(queue.sent.map(({ message }) => message.jobId)).size).toBe(3 - jobPods.length);
  });

  it('finishes a warm runner whose release was lost after its registration was stored, so that nothing stays gated', async () => {
    // Prepare: the reconciler makes the pool's runner, but the release patch never arrives.
    const { config, cluster, registry, metrics, queue, reconcile, names } = warmPoolOnApiServer(
      'warm-lost-release',
      {
        size: 1,
      },
    );
    const releaseLost = Object.create(cluster) as typeof cluster;
    releaseLost.releasePod = async () => {
      throw new Error('connection dropped');
    };
    await reconcileRunners({
      config,
      cluster: releaseLost,
      registry,
      queue,
      log: captureLog(),
      metrics,
      now: () => new Date(),
    });
    const stored = await cluster.readSecret('warm-lost-release-w1-runner');
    const left = await cluster.readPod('warm-lost-release-w1');

    // Act: the reconciler's next run a minute later (it makes the pool's runner anew meanwhile), and
    // one at the real time, which trims the surplus.
    await reconcile(new Date(Date.now() + 61_000));
    await reconcile();

    // Assess: the runner is released with its runner ID, the pool has one runner, and none is gated.
    expect(left?.gated).toBe(true);
    expect(stored?.ownerUid).toBe(left?.uid);
    const gated = (await cluster.listPods()).filter(
      (pod) => pod.runnerClass === 'warm-lost-release' && pod.gated,
    );
    expect(gated.map(({ name }) => name)).toEqual([]);
    expect(await names()).toHaveLength(1);
    const released = await cluster.readPod('warm-lost-release-w1');
    if (released)
      expect(released.annotations[ANNOTATION.runnerId]).toBe(
        String(registry.runnerIds.get('warm-lost-release-w1')),
      );
  });

  it('leaks nothing when a completed comes before the in_progress of a job a warm runner ran', async () => {
    // Prepare
    const { cluster, registry, runScaler, reconcile, names, takeJob, pods } = warmPoolOnApiServer(
      'warm-late',
      {
        size: 1,
      },
    );
    await reconcile();
    await expect.poll(async () => running(await pods()), { timeout: 20_000 }).toBe(true);
    const job = jobMessage({ jobId: uniqueJobId(), runnerClass: 'warm-late', labels: ['warm-late'] });
    await runScaler(job);
    const started = takeJob('warm-late-w1', job);

    // Act: completed first, then the late in_progress, then a reconciler run.
    const first = await cluster.readPod('warm-late-w1');
    await runScaler({ ...started, action: 'completed', completedAt: new Date().toISOString() });
    await runScaler(started);
    await reconcile();

    // Assess: the warm runner and the job's own runner are gone, and the pool is whole again, its
    // new runner under the name set free (the late in_progress touched neither).
    expect(await names()).toEqual(['warm-late-w1']);
    expect((await cluster.readPod('warm-late-w1'))?.uid).not.toBe(first?.uid);
    expect((await cluster.readPod('warm-late-w1'))?.annotations[ANNOTATION.runningJobId]).toBeUndefined();
    const secrets = await coreApi('admin').listNamespacedSecret({
      namespace: inject('controlPlane').namespace,
      labelSelector: 'eks-runner-autoscaler.io/class=warm-late',
    });
    expect(secrets.items.map((secret) => secret.metadata?.name)).toEqual(['warm-late-w1-runner']);
    expect(registry.deregistered.map(({ name }) => name)).toEqual([`warm-late-${job.jobId}`]);
  });
});
