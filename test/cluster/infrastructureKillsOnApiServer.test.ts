import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
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

function harness() {
  const context = {
    config,
    cluster,
    registry: new ScriptedRegistry(),
    log: captureLog(),
    metrics: new MetricsRecorder(),
  };
  const queue = new RecordingQueue();
  const deliver = (message: JobMessage) =>
    processJobRecord(JSON.stringify(message), newBatchContext(context), queue);
  const reconcile = () => reconcileRunners({ ...context, queue, now: () => new Date() });
  return { ...context, queue, deliver, reconcile };
}

/** A runner pod that took its job, Running on a KWOK node. */
async function runnerRunningItsJob(subject: ReturnType<typeof harness>) {
  const jobId = uniqueJobId();
  const name = `killable-${jobId}`;
  const job = { jobId, runnerClass: 'killable', labels: ['killable'], createdAt: new Date().toISOString() };
  await subject.deliver(jobMessage(job));
  await expect.poll(async () => (await cluster.readPod(name))?.phase, { timeout: 20_000 }).toBe('Running');
  const pod = await cluster.readPod(name);
  await subject.deliver(
    jobMessage({
      ...job,
      action: 'in_progress',
      runnerName: name,
      runnerId: Number(pod?.annotations[ANNOTATION.runnerId]),
      startedAt: new Date().toISOString(),
    }),
  );
  return { jobId, name };
}

const patchAsAdmin = (name: string, body: object) =>
  admin().patchNamespacedPod({ name, namespace: namespace(), body }, mergePatch);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

describe('runners the infrastructure killed, on a real kube-apiserver', { timeout: 60_000 }, () => {
  it('an evicted runner still terminating has its job queued for a re-run once, and is left to terminate', async () => {
    // Prepare: the eviction API adds the DisruptionTarget condition, then deletes the pod.
    const subject = harness();
    const { jobId, name } = await runnerRunningItsJob(subject);
    await patchAsAdmin(name, { metadata: { finalizers: [HOLD] } });
    await admin().createNamespacedPodEviction({
      name,
      namespace: namespace(),
      body: { metadata: { name, namespace: namespace() } },
    });
    await expect
      .poll(async () => (await cluster.readPod(name))?.killedBy, { timeout: 10_000 })
      .toBe('evicted');

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
    await admin().patchNamespacedPodStatus(
      {
        name,
        namespace: namespace(),
        body: {
          status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' },
        },
      },
      mergePatch,
    );

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
});
