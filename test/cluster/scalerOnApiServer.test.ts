import { describe, expect, inject, it } from 'vitest';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { processJobRecord } from '../../lib/scaler/processJobRecord.ts';
import { newBatchContext } from '../../lib/scaler/scalerContext.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { RecordingQueue } from '../helpers/scalerHarness.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { coreApi, scalerCluster, uniqueJobId } from './clusterClients.ts';

/** A configuration with one class of its own, so each test counts only its own pods. */
function configWithClass(name: string, maxRunners: number) {
  const base = testConfig();
  const runnerClass = base.runnerClasses[0];
  if (!runnerClass) throw new Error('no class');
  return { ...base, runnerClasses: [{ ...runnerClass, name, maxRunners }] };
}

function scalerOnApiServer(className: string, maxRunners = 100) {
  const config = configWithClass(className, maxRunners);
  const registry = new ScriptedRegistry();
  const queue = new RecordingQueue();
  /** One scaler instance: its own client, and the spare places it holds between batches. */
  const instance =
    (cluster = scalerCluster()) =>
    (...messages: JobMessage[]) => {
      const batch = newBatchContext({
        config,
        cluster,
        registry,
        log: captureLog(),
        metrics: new MetricsRecorder(),
      });
      return Promise.all(messages.map((message) => processJobRecord(JSON.stringify(message), batch, queue)));
    };
  const runBatch = instance();
  const podsOfClass = async () =>
    (
      await coreApi('admin').listNamespacedPod({
        namespace: inject('controlPlane').namespace,
        labelSelector: `eks-runner-autoscaler.io/class=${className}`,
      })
    ).items;
  return { registry, queue, runBatch, instance, podsOfClass };
}

describe('the scaler on a real kube-apiserver', () => {
  it('makes exactly one pod per job when deliveries are duplicated within and across concurrent batches', async () => {
    // Prepare
    const { registry, runBatch, podsOfClass } = scalerOnApiServer('dupes');
    const jobs = Array.from({ length: 10 }, () => jobMessage({ jobId: uniqueJobId(), runnerClass: 'dupes' }));
    const withDuplicates = [
      ...jobs,
      ...jobs.map((job) => ({ ...job, deliveryId: `${job.deliveryId}-again` })),
    ];

    // Act: two batches holding the same jobs, at once, as two scaler instances would.
    await Promise.all([runBatch(...withDuplicates), runBatch(...[...withDuplicates].reverse())]);

    // Assess
    const pods = await podsOfClass();
    expect(pods.map((pod) => pod.metadata?.name).sort()).toEqual(
      jobs.map((job) => `dupes-${job.jobId}`).sort(),
    );
    expect(registry.registered).toHaveLength(10);
  });

  it('creates no pod beyond maxRunners and puts the rest back on the queue', async () => {
    // Prepare
    const { queue, runBatch, podsOfClass } = scalerOnApiServer('capped', 3);
    const jobs = Array.from({ length: 7 }, () => jobMessage({ jobId: uniqueJobId(), runnerClass: 'capped' }));

    // Act
    await runBatch(...jobs);

    // Assess
    expect(await podsOfClass()).toHaveLength(3);
    expect(queue.sent).toHaveLength(4);
    expect(queue.sent.every(({ message, delaySeconds }) => message.attempt === 1 && delaySeconds === 5)).toBe(
      true,
    );
  });

  it('never exceeds maxRunners when several scaler invocations reserve places at once', async () => {
    // Prepare: four invocations, each with its own batch, race for three places.
    const { runBatch, podsOfClass } = scalerOnApiServer('raced', 3);
    const batches = Array.from({ length: 4 }, () =>
      Array.from({ length: 5 }, () => jobMessage({ jobId: uniqueJobId(), runnerClass: 'raced' })),
    );

    // Act
    await Promise.all(batches.map((jobs) => runBatch(...jobs)));

    // Assess
    expect(await podsOfClass()).toHaveLength(3);
  });

  it('never exceeds maxRunners when many scaler instances, each holding spare places, reserve at once', async () => {
    // Prepare: eight instances, three batches of five each, race for 40 places.
    const { queue, instance, podsOfClass } = scalerOnApiServer('leased', 40);
    const instances = Array.from({ length: 8 }, () => instance());
    const batches = () =>
      Array.from({ length: 5 }, () => jobMessage({ jobId: uniqueJobId(), runnerClass: 'leased' }));

    // Act: each instance takes its batches one after another, as Lambda gives an instance one at a time.
    await Promise.all(
      instances.map(async (runBatch) => {
        for (let round = 0; round < 3; round++) await runBatch(...batches());
      }),
    );

    // Assess: spare places left unused may keep a few jobs waiting, but no pod is made beyond the class.
    const pods = await podsOfClass();
    expect(pods.length).toBeLessThanOrEqual(40);
    expect(pods.length + queue.sent.length).toBe(120);
    expect(pods.length).toBeGreaterThan(20);
    // Forty pods would hold the fake nodes' room that other test files' runners need.
    await coreApi('admin').deleteCollectionNamespacedPod({
      namespace: inject('controlPlane').namespace,
      labelSelector: 'eks-runner-autoscaler.io/class=leased',
    });
  });

  it('leaves no pod and no Secret after the job completes', async () => {
    // Prepare
    const { runBatch, podsOfClass } = scalerOnApiServer('done');
    const job = jobMessage({ jobId: uniqueJobId(), runnerClass: 'done' });
    await runBatch(job);

    // Act
    await runBatch({ ...job, action: 'completed', runnerName: `done-${job.jobId}` });

    // Assess
    const namespace = inject('controlPlane').namespace;
    const remaining = (await podsOfClass()).filter((pod) => !pod.metadata?.deletionTimestamp);
    expect(remaining).toEqual([]);
    const secrets = await coreApi('admin').listNamespacedSecret({
      namespace,
      labelSelector: 'eks-runner-autoscaler.io/class=done',
    });
    expect(secrets.items).toEqual([]);
  });

  it("sizes a job's runner from its size labels, registers it with exactly the job's labels, and counts it in maxRunners", async () => {
    // Prepare: one place; a job asking for 4 CPUs and 16 GiB, then one asking for more than allowed.
    const { registry, queue, runBatch, podsOfClass } = scalerOnApiServer('sized', 1);
    const labels = ['self-hosted', 'linux', 'small', 'cpu=4', 'memory=16gi'];
    const sized = jobMessage({ jobId: uniqueJobId(), runnerClass: 'sized', labels });
    const tooBig = jobMessage({ jobId: uniqueJobId(), runnerClass: 'sized', labels: ['linux', 'cpu=16'] });
    const another = jobMessage({ jobId: uniqueJobId(), runnerClass: 'sized' });

    // Act
    const [made] = await runBatch(sized);
    const outcomes = await runBatch(tooBig, another);

    // Assess
    expect(made).toMatchObject({ kind: 'done', result: 'created' });
    const pods = await podsOfClass();
    expect(pods.map((pod) => pod.metadata?.name)).toEqual([`sized-${sized.jobId}`]);
    const runner = pods[0]?.spec?.containers.find((container) => container.name === 'runner');
    expect(runner?.resources).toEqual({
      requests: { cpu: '4', memory: '16Gi' },
      limits: { cpu: '4', memory: '16Gi' },
    });
    expect(registry.registered.map((request) => request.labels)).toEqual([
      ['linux', 'small', 'cpu=4', 'memory=16gi'],
    ]);
    expect(outcomes[0]).toEqual({
      kind: 'done',
      result: `job ${tooBig.jobId} gets no runner: class sized allows no cpu of 16: at most 8`,
    });
    expect(queue.sent.map(({ message }) => message.jobId)).toEqual([another.jobId]);
  });
});
