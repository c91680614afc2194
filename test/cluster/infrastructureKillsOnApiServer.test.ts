import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import type { RunnerRef } from '../../lib/ports.ts';
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
 * How the API server reports a runner the infrastructure killed, and what the reconciler makes of
 * it: an eviction (the pod terminates with a DisruptionTarget condition; a test finalizer holds it
 * there, as its preStop would), a kubelet's node-pressure eviction, and a job's own OOM kill.
 */
const base = testConfig();
const template = base.runnerClasses.find(({ containerMode }) => containerMode === 'none') as RunnerClass;
const config: AutoscalerConfig = {
  ...base,
  runnerClasses: [{ ...template, name: 'killable', labels: ['killable'], maxRunners: 50 }],
};
const HOLD = 'test.eks-runner-autoscaler.io/hold';
const namespace = () => inject('controlPlane').namespace;
const admin = () => coreApi('admin');
const cluster = scalerCluster();

function harness(registry = new ScriptedRegistry()) {
  const context = {
    config,
    cluster,
    registry,
    log: captureLog(),
    metrics: new MetricsRecorder(),
  };
  const queue = new RecordingQueue();
  const deliver = (message: JobMessage) =>
    processJobRecord(JSON.stringify(message), newBatchContext(context), queue);
  const reconcile = (now = new Date()) => reconcileRunners({ ...context, queue, now: () => now });
  return { ...context, queue, deliver, reconcile };
}

const killableJob = (jobId: number) => ({
  jobId,
  runnerClass: 'killable',
  labels: ['killable'],
  createdAt: new Date().toISOString(),
});

/** A runner pod Running on a KWOK node, made for a job of its own. */
async function runningRunner(subject: ReturnType<typeof harness>) {
  const job = killableJob(uniqueJobId());
  const name = `killable-${job.jobId}`;
  await subject.deliver(jobMessage(job));
  await expect.poll(async () => (await cluster.readPod(name))?.phase, { timeout: 20_000 }).toBe('Running');
  const pod = await cluster.readPod(name);
  return { job, name, runnerId: Number(pod?.annotations[ANNOTATION.runnerId]) };
}

/** A runner pod that took its job, Running on a KWOK node. */
async function runnerRunningItsJob(subject: ReturnType<typeof harness>) {
  const { job, name, runnerId } = await runningRunner(subject);
  const { jobId } = job;
  await subject.deliver(
    jobMessage({
      ...job,
      action: 'in_progress',
      runnerName: name,
      runnerId,
      startedAt: new Date().toISOString(),
    }),
  );
  return { jobId, name };
}

/** The kubelet's eviction for node pressure: the pod fails with reason Evicted. */
const evictForNodePressure = (name: string) =>
  admin().patchNamespacedPodStatus(
    {
      name,
      namespace: namespace(),
      body: {
        status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' },
      },
    },
    mergePatch,
  );

const patchAsAdmin = (name: string, body: object) =>
  admin().patchNamespacedPod({ name, namespace: namespace(), body }, mergePatch);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Evicts the pod through the eviction API, which adds the DisruptionTarget condition and deletes
 * it; a test finalizer holds it terminating, as its preStop would.
 */
async function evictHeldTerminating(name: string) {
  await patchAsAdmin(name, { metadata: { finalizers: [HOLD] } });
  await admin().createNamespacedPodEviction({
    name,
    namespace: namespace(),
    body: { metadata: { name, namespace: namespace() } },
  });
  await expect.poll(async () => (await cluster.readPod(name))?.killedBy, { timeout: 10_000 }).toBe('evicted');
}

describe('runners the infrastructure killed, on a real kube-apiserver', { timeout: 60_000 }, () => {
  it('an evicted runner still terminating has its job queued for a re-run once, and is left to terminate', async () => {
    // Prepare
    const subject = harness();
    const { jobId, name } = await runnerRunningItsJob(subject);
    await evictHeldTerminating(name);

    // Act: two reconciler runs while it terminates.
    const first = await subject.reconcile();
    const second = await subject.reconcile();

    // Assess
    expect([first.queuedReruns, second.queuedReruns]).toEqual([1, 0]);
    expect(
      subject.queue.sent.map(({ message }) => [message.action, message.jobId, message.killedBy]),
    ).toEqual([['rerun', jobId, 'evicted']]);
    expect(subject.metrics.total('InfrastructureKills', { RunnerClass: 'killable', Reason: 'evicted' })).toBe(
      1,
    );
    await patchAsAdmin(name, { metadata: { finalizers: null } });
    await expect.poll(() => cluster.readPod(name), { timeout: 20_000 }).toBeUndefined();
  });

  it('a runner the kubelet evicted for node pressure (Failed, reason Evicted) is re-run, and goes', async () => {
    // Prepare
    const subject = harness();
    const { jobId, name } = await runnerRunningItsJob(subject);
    await evictForNodePressure(name);

    // Act
    const summary = await subject.reconcile();

    // Assess
    expect(summary).toMatchObject({ queuedReruns: 1, removedFinished: 1 });
    expect(subject.queue.sent.map(({ message }) => message.jobId)).toEqual([jobId]);
    await expect.poll(() => cluster.readPod(name), { timeout: 20_000 }).toBeUndefined();
  });

  it('a runner whose job ran it out of memory is removed, and its job is not re-run', async () => {
    // Prepare: KWOK fails the pod with its runner container OOMKilled.
    const subject = harness();
    const { name } = await runnerRunningItsJob(subject);
    await patchAsAdmin(name, { metadata: { annotations: { 'test.eks-runner-autoscaler.io/oom': 'true' } } });
    await expect.poll(async () => (await cluster.readPod(name))?.phase, { timeout: 20_000 }).toBe('Failed');

    // Act
    const summary = await subject.reconcile();

    // Assess
    expect(summary).toMatchObject({ queuedReruns: 0, removedFinished: 1 });
    expect(subject.queue.sent).toEqual([]);
  });

  it('a killed runner on which a job ran unannounced is kept after its pod is replaced, and that job is re-run once', async () => {
    // Prepare: job B took the runner made for job A, but B's in_progress was lost; then the kubelet
    // evicted the pod. GitHub still queues job A.
    const subject = harness();
    const { job, name, runnerId } = await runningRunner(subject);
    await evictForNodePressure(name);
    const killed = await cluster.readPod(name);
    const jobB = uniqueJobId();

    // Act: the reconciler replaces the runner for job A, the scaler makes the replacement under the
    // same name, A runs on it and completes, and only then job B's completed arrives, twice.
    const summary = await subject.reconcile();
    await expect.poll(() => cluster.readPod(name), { timeout: 20_000 }).toBeUndefined();
    await subject.deliver(subject.queue.sent[0]?.message as JobMessage);
    const replacement = await cluster.readPod(name);
    const ranOnReplacement = {
      runnerName: name,
      runnerId: Number(replacement?.annotations[ANNOTATION.runnerId]),
    };
    await subject.deliver(jobMessage({ ...job, action: 'completed', ...ranOnReplacement }));
    const completed = jobMessage({ ...killableJob(jobB), action: 'completed', runnerName: name, runnerId });
    await subject.deliver(completed);
    await subject.deliver(completed);

    // Assess
    expect(summary).toMatchObject({ replaced: 1, queuedReruns: 0 });
    expect(
      subject.queue.sent.map(({ message }) => [message.action, message.jobId, message.killedBy]),
    ).toEqual([
      ['queued', job.jobId, undefined],
      ['rerun', jobB, 'evicted'],
    ]);
    expect(replacement?.uid).toBeDefined();
    expect(replacement?.uid).not.toBe(killed?.uid);
    await expect.poll(() => cluster.readPod(name), { timeout: 20_000 }).toBeUndefined();
  });

  it('an evicted runner on which a job ran unannounced is kept while it terminates, for that job to be re-run', async () => {
    // Prepare: job B took the runner, but its in_progress was lost; the pod is evicted.
    const subject = harness();
    const { name, runnerId } = await runningRunner(subject);
    await evictHeldTerminating(name);
    const jobB = uniqueJobId();

    // Act: the reconciler meets it terminating; it is gone when B's completed arrives.
    await subject.reconcile();
    await patchAsAdmin(name, { metadata: { finalizers: null } });
    await expect.poll(() => cluster.readPod(name), { timeout: 20_000 }).toBeUndefined();
    await subject.deliver(
      jobMessage({ ...killableJob(jobB), action: 'completed', runnerName: name, runnerId }),
    );

    // Assess
    expect(
      subject.queue.sent.map(({ message }) => [message.action, message.jobId, message.killedBy]),
    ).toEqual([['rerun', jobB, 'evicted']]);
  });

  it('a runner evicted while the reconciler removes it as an idle spare is not removed, and its job is re-run', async () => {
    // Prepare: the runner looks idle, its own job done; job B took it unannounced, and the kubelet
    // evicts it while the reconciler deregisters it.
    let name = '';
    const registry = new (class extends ScriptedRegistry {
      override async deregister(runner: RunnerRef) {
        await evictForNodePressure(name);
        return super.deregister(runner);
      }
    })();
    const subject = harness(registry);
    const runner = await runningRunner(subject);
    name = runner.name;
    registry.jobs.set(runner.job.jobId, 'completed');
    const jobB = uniqueJobId();
    const later = new Date(Date.now() + (config.reconciler.idleRunnerSeconds + 60) * 1000);

    // Act: two reconciler runs, then job B's completed.
    const first = await subject.reconcile(later);
    const second = await subject.reconcile(later);
    await subject.deliver(
      jobMessage({ ...killableJob(jobB), action: 'completed', runnerName: name, runnerId: runner.runnerId }),
    );

    // Assess
    expect([first.removedSpares, second.removedUnstarted]).toEqual([0, 1]);
    expect(
      subject.queue.sent.map(({ message }) => [message.action, message.jobId, message.killedBy]),
    ).toEqual([['rerun', jobB, 'evicted']]);
  });
});
