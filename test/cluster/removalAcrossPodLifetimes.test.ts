import { describe, expect, inject, it } from 'vitest';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import type { RunnerPod } from '../../lib/ports.ts';
import { reconcileRunners } from '../../lib/reconciler/reconcileRunners.ts';
import { processJobRecord } from '../../lib/scaler/processJobRecord.ts';
import { newBatchContext } from '../../lib/scaler/scalerContext.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { RecordingQueue } from '../helpers/scalerHarness.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { coreApi, scalerCluster, uniqueJobId } from './clusterClients.ts';

/**
 * Late, duplicated and reordered deliveries across two lifetimes of one pod name: a job finishes and
 * its pod goes, a redelivered `queued` makes a pod of the same name, and another job takes that
 * runner. No delivery about the first runner may touch the second.
 */
const base = testConfig();
const template = base.runnerClasses.find(({ containerMode }) => containerMode === 'none') as RunnerClass;
const config: AutoscalerConfig = {
  ...base,
  runnerClasses: [{ ...template, name: 'lifetimes', labels: ['lifetimes'], maxRunners: 50 }],
};
const cluster = scalerCluster();

function scaler() {
  const registry = new ScriptedRegistry();
  const queue = new RecordingQueue();
  const context = { config, cluster, registry, log: captureLog(), metrics: new MetricsRecorder() };
  const deliver = async (message: JobMessage) => {
    const batch = newBatchContext(context);
    return processJobRecord(JSON.stringify(message), batch, queue);
  };
  const reconcile = (overrides: Partial<typeof context> = {}) =>
    reconcileRunners({ ...context, queue, now: () => new Date(), ...overrides });
  return { registry, queue, deliver, reconcile };
}

const now = () => new Date().toISOString();
const podName = (jobId: number) => `lifetimes-${jobId}`;
const queued = (jobId: number, createdAt = now()) =>
  jobMessage({ jobId, runnerClass: 'lifetimes', labels: ['lifetimes'], createdAt });
const ranOn = (action: 'in_progress' | 'completed', jobId: number, runner: RunnerPod) =>
  jobMessage({
    jobId,
    action,
    runnerClass: 'lifetimes',
    labels: ['lifetimes'],
    runnerName: runner.name,
    runnerId: Number(runner.annotations[ANNOTATION.runnerId]),
    startedAt: now(),
  });

/** The pod of that name, released: the scaler lifts the gate before it answers the delivery. */
async function livePod(name: string): Promise<RunnerPod> {
  const pod = await cluster.readPod(name);
  expect(pod).toMatchObject({ gated: false, deleting: false });
  return pod as RunnerPod;
}

async function gone(name: string) {
  await expect.poll(() => cluster.readPod(name), { timeout: 20_000, interval: 100 }).toBeUndefined();
}

async function secretOf(name: string) {
  const { items } = await coreApi('admin').listNamespacedSecret({
    namespace: inject('controlPlane').namespace,
  });
  return items.find((secret) => secret.metadata?.name === `${name}-runner`)?.metadata?.ownerReferences?.[0]
    ?.uid;
}

/** Job A ran on its first pod, which went; a redelivery of A's `queued` made a second pod of the name. */
async function secondLifetime(harness: ReturnType<typeof scaler>) {
  const jobA = uniqueJobId();
  await harness.deliver(queued(jobA));
  const first = await livePod(podName(jobA));
  await harness.deliver(ranOn('in_progress', jobA, first));
  await harness.deliver(ranOn('completed', jobA, first));
  await gone(podName(jobA));
  await harness.deliver(queued(jobA));
  const second = await livePod(podName(jobA));
  return { jobA, first, second };
}

describe('removal across pod lifetimes, on a real kube-apiserver', { timeout: 90_000 }, () => {
  it("a duplicate of the first job's completed leaves the busy second runner, which its own job then removes", async () => {
    // Prepare: job B took the second runner.
    const harness = scaler();
    const { jobA, first, second } = await secondLifetime(harness);
    const jobB = uniqueJobId();
    await harness.deliver(ranOn('in_progress', jobB, second));

    // Act
    const duplicate = await harness.deliver(ranOn('completed', jobA, first));

    // Assess: same pod, same Secret, not deregistered, and it still runs job B.
    const kept = await cluster.readPod(podName(jobA));
    expect(duplicate).toMatchObject({ kind: 'done' });
    expect(kept).toMatchObject({ uid: second.uid, deleting: false });
    expect(kept?.annotations[ANNOTATION.runningJobId]).toBe(String(jobB));
    expect(await secretOf(podName(jobA))).toBe(second.uid);
    expect(harness.registry.deregistered.map(({ id }) => id)).not.toContain(
      Number(second.annotations[ANNOTATION.runnerId]),
    );

    // Act / Assess: B's completed names the second runner by its ID, and removes it.
    await harness.deliver(ranOn('completed', jobB, second));
    await gone(podName(jobA));
    expect(await secretOf(podName(jobA))).toBeUndefined();
  });

  it("a duplicate completed arriving before the taker's in_progress keeps the runner GitHub calls busy", async () => {
    // Prepare: GitHub gave the second runner to job B; our in_progress for B has not come yet.
    const harness = scaler();
    const { jobA, first, second } = await secondLifetime(harness);
    harness.registry.states.set(second.name, 'busy');

    // Act
    await harness.deliver(ranOn('completed', jobA, first));

    // Assess
    const kept = await cluster.readPod(podName(jobA));
    expect(kept).toMatchObject({ uid: second.uid, deleting: false });
    expect(kept?.annotations[ANNOTATION.ownJobFinished]).toBe('true');
  });

  it('a duplicate completed frees an idle second runner, made for a job that is done, deregistering it first', async () => {
    // Prepare
    const harness = scaler();
    const { jobA, first, second } = await secondLifetime(harness);

    // Act
    await harness.deliver(ranOn('completed', jobA, first));

    // Assess
    await gone(podName(jobA));
    expect(harness.registry.deregistered.map(({ id }) => id)).toEqual([
      Number(second.annotations[ANNOTATION.runnerId]),
    ]);
  });

  it("a late in_progress of the first runner does not mark the second as running the first's job", async () => {
    // Prepare
    const harness = scaler();
    const { jobA, first, second } = await secondLifetime(harness);

    // Act
    await harness.deliver(ranOn('in_progress', jobA, first));

    // Assess
    const pod = await cluster.readPod(podName(jobA));
    expect(pod?.uid).toBe(second.uid);
    expect(pod?.annotations[ANNOTATION.runningJobId]).toBeUndefined();
  });

  it('a reconciler acting on a listing from the first lifetime removes nothing of the second', async () => {
    // Prepare: a listing taken while the first pod of the name had finished.
    const harness = scaler();
    const jobA = uniqueJobId();
    await harness.deliver(queued(jobA));
    const first = await livePod(podName(jobA));
    const staleListing = [{ ...first, phase: 'Succeeded' }];
    await harness.deliver(ranOn('completed', jobA, first));
    await gone(podName(jobA));
    await harness.deliver(queued(jobA));
    const second = await livePod(podName(jobA));

    // Act
    const listedEarlier = Object.assign(Object.create(cluster), { listPods: async () => staleListing });
    const summary = await harness.reconcile({ cluster: listedEarlier });

    // Assess
    expect(summary).toMatchObject({ removedFinished: 0, failedSteps: 0 });
    expect(await cluster.readPod(podName(jobA))).toMatchObject({ uid: second.uid, deleting: false });
    expect(await secretOf(podName(jobA))).toBe(second.uid);
  });

  it.each([
    ['completed', false],
    ['in_progress', false],
    ['queued', true],
  ] as const)(
    'a queued delivered late, for a job GitHub reports %s, makes a runner: %s',
    async (status, makes) => {
      // Prepare: GitHub queued the job ten minutes ago.
      const harness = scaler();
      const jobId = uniqueJobId();
      harness.registry.jobs.set(jobId, status);

      // Act
      const outcome = await harness.deliver(queued(jobId, new Date(Date.now() - 10 * 60_000).toISOString()));

      // Assess
      expect(outcome).toMatchObject({ kind: 'done' });
      expect(harness.registry.registered.length).toBe(makes ? 1 : 0);
      expect((await cluster.readPod(podName(jobId))) !== undefined).toBe(makes);
    },
  );
});
