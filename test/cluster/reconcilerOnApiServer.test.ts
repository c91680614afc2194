import { describe, expect, inject, it } from 'vitest';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { reconcileRunners } from '../../lib/reconciler/reconcileRunners.ts';
import { processJobRecord } from '../../lib/scaler/processJobRecord.ts';
import { newBatchContext } from '../../lib/scaler/scalerContext.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { RecordingQueue } from '../helpers/scalerHarness.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { coreApi, scalerCluster, uniqueJobId } from './clusterClients.ts';

const base = testConfig();
const template = base.runnerClasses.find(
  (runnerClass) => runnerClass.containerMode === 'none',
) as RunnerClass;
/** Two classes of this test's own: one that runs, one that no node can take. */
const config: AutoscalerConfig = {
  ...base,
  runnerClasses: [
    { ...template, name: 'reconciled', labels: ['reconciled'] },
    { ...template, name: 'homeless', labels: ['homeless'], nodeSelector: { 'no-such-node': 'true' } },
  ],
};

const namespace = () => inject('controlPlane').namespace;
const cluster = scalerCluster();
const registry = new ScriptedRegistry();
const log = captureLog();
const metrics = new MetricsRecorder();

async function runScaler(queue: RecordingQueue, ...messages: JobMessage[]) {
  const batch = newBatchContext({ config, cluster, registry, log, metrics });
  await Promise.all(messages.map((message) => processJobRecord(JSON.stringify(message), batch, queue)));
}

/** A reconciler run as if a quarter of an hour on, its re-queued jobs kept in `queue`. */
function reconcileQuarterOfAnHourOn(queue: RecordingQueue) {
  const now = () => new Date(Date.now() + 15 * 60_000);
  return reconcileRunners({ config, cluster, registry, queue, log, metrics, now });
}

async function podPhases(): Promise<Record<string, string>> {
  const { items } = await coreApi('admin').listNamespacedPod({
    namespace: namespace(),
    labelSelector: 'eks-runner-autoscaler.io/class in (reconciled,homeless)',
  });
  return Object.fromEntries(
    items
      .filter((pod) => !pod.metadata?.deletionTimestamp)
      .map((pod) => [pod.metadata?.name ?? '', pod.status?.phase ?? '']),
  );
}

async function annotateAsAdmin(podName: string, annotation: string) {
  await coreApi('admin').patchNamespacedPod({
    name: podName,
    namespace: namespace(),
    body: [
      {
        op: 'add',
        path: `/metadata/annotations/test.eks-runner-autoscaler.io~1${annotation}`,
        value: 'true',
      },
    ],
  });
}

describe('the reconciler on a real kube-apiserver', { timeout: 60_000 }, () => {
  it('removes finished pods, replaces OOM-killed and unschedulable ones, and leaves running ones', async () => {
    // Prepare: four jobs; KWOK finishes one runner and OOM-kills another before it takes a job.
    const [finished, oomKilled, running] = [uniqueJobId(), uniqueJobId(), uniqueJobId()];
    const unschedulable = uniqueJobId();
    const queue = new RecordingQueue();
    await runScaler(
      queue,
      ...[finished, oomKilled, running].map((jobId) => jobMessage({ jobId, runnerClass: 'reconciled' })),
      jobMessage({ jobId: unschedulable, runnerClass: 'homeless' }),
    );
    const name = (jobId: number, className = 'reconciled') => `${className}-${jobId}`;
    await expect.poll(podPhases, { timeout: 20_000 }).toMatchObject({
      [name(finished)]: 'Running',
      [name(oomKilled)]: 'Running',
      [name(running)]: 'Running',
      [name(unschedulable, 'homeless')]: 'Pending',
    });
    await annotateAsAdmin(name(finished), 'finish');
    await annotateAsAdmin(name(oomKilled), 'oom');
    await expect.poll(podPhases, { timeout: 20_000 }).toMatchObject({
      [name(finished)]: 'Succeeded',
      [name(oomKilled)]: 'Failed',
    });

    // Act: a reconciler run a quarter of an hour on, past the start timeout of the Pending pod.
    const summary = await reconcileQuarterOfAnHourOn(queue);

    // Assess
    expect(summary).toMatchObject({ removedFinished: 1, replaced: 2, removedSpares: 0, failedSteps: 0 });
    await expect.poll(podPhases, { timeout: 20_000 }).toEqual({ [name(running)]: 'Running' });
    const secrets = await coreApi('admin').listNamespacedSecret({ namespace: namespace() });
    const secretNames = secrets.items.map((secret) => secret.metadata?.name);
    for (const jobId of [finished, oomKilled]) expect(secretNames).not.toContain(`${name(jobId)}-runner`);
    expect(queue.sent.map(({ message }) => [message.jobId, message.replacements]).sort()).toEqual(
      [
        [oomKilled, 1],
        [unschedulable, 1],
      ].sort(),
    );

    // Act again: the scaler takes the queued replacement and makes the OOM-killed job a new runner.
    const replacement = queue.sent.find(({ message }) => message.jobId === oomKilled)?.message as JobMessage;
    await runScaler(new RecordingQueue(), replacement);

    // Assess
    await expect.poll(podPhases, { timeout: 20_000 }).toMatchObject({ [name(oomKilled)]: 'Running' });
  });

  it('removes the idle runner of a job held for an approval, and makes one anew under its name once approved', async () => {
    // Prepare: a running runner; then GitHub holds its job, queued 20 minutes ago, for an approval.
    const jobId = uniqueJobId();
    const podName = `reconciled-${jobId}`;
    const createdAt = new Date(Date.now() - 20 * 60_000).toISOString();
    await runScaler(new RecordingQueue(), jobMessage({ jobId, runnerClass: 'reconciled', createdAt }));
    await expect.poll(podPhases, { timeout: 20_000 }).toMatchObject({ [podName]: 'Running' });
    const first = await cluster.readPod(podName);
    registry.jobs.set(jobId, 'waiting');
    const queue = new RecordingQueue();

    // Act: a reconciler run a quarter of an hour on, past idleRunnerSeconds.
    const summary = await reconcileQuarterOfAnHourOn(queue);

    // Assess
    expect(summary).toMatchObject({ parkedForApproval: 1, failedSteps: 0 });
    await expect.poll(() => cluster.readPod(podName), { timeout: 20_000 }).toBeUndefined();
    expect(await cluster.readSecret(`${podName}-runner`)).toBeUndefined();
    expect(registry.deregistered.map(({ name }) => name)).toContain(podName);
    expect(queue.sent).toEqual([
      { message: expect.objectContaining({ jobId, podName, waitingChecks: 1 }), delaySeconds: 60 },
    ]);

    // Act again: approved, the job is looked at again.
    registry.jobs.set(jobId, 'queued');
    const parked = queue.sent[0]?.message as JobMessage;
    await runScaler(new RecordingQueue(), parked);

    // Assess
    await expect.poll(podPhases, { timeout: 20_000 }).toMatchObject({ [podName]: 'Running' });
    expect((await cluster.readPod(podName))?.uid).not.toBe(first?.uid);
  });
});
