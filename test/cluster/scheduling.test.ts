import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { takeRunnerCensus } from '../../lib/census/takeRunnerCensus.ts';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { processJobRecord } from '../../lib/scaler/processJobRecord.ts';
import { newBatchContext } from '../../lib/scaler/scalerContext.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { RecordingQueue } from '../helpers/scalerHarness.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { coreApi, scalerCluster, uniqueJobId } from './clusterClients.ts';
import { addFakeNode, FAKE_NODES, READY_AFTER_LABEL } from './controlPlane.ts';

/** Runs queued jobs of one class through the scaler core against the real control plane. */
async function runJobs(runnerClass: RunnerClass, count: number) {
  const base = testConfig();
  const config: AutoscalerConfig = { ...base, runnerClasses: [runnerClass] };
  const cluster = scalerCluster();
  const batch = newBatchContext({
    config,
    cluster,
    registry: new ScriptedRegistry(),
    log: captureLog(),
    metrics: new MetricsRecorder(),
  });
  const jobs: JobMessage[] = Array.from({ length: count }, () =>
    jobMessage({ jobId: uniqueJobId(), runnerClass: runnerClass.name }),
  );
  await Promise.all(jobs.map((job) => processJobRecord(JSON.stringify(job), batch, new RecordingQueue())));
  return cluster;
}

async function podsOfClass(className: string): Promise<V1Pod[]> {
  const { items } = await coreApi('admin').listNamespacedPod({
    namespace: inject('controlPlane').namespace,
    labelSelector: `eks-runner-autoscaler.io/class=${className}`,
  });
  return items;
}

const phases = (pods: V1Pod[]) => pods.map((pod) => pod.status?.phase).sort();

describe('runner pods on fake nodes (kube-scheduler and KWOK)', { timeout: 60_000 }, () => {
  it('lands dood runners only on the docker pool the class selects and tolerates, where they run', async () => {
    // Prepare
    const docker = testConfig().runnerClasses.find((runnerClass) => runnerClass.containerMode === 'dood');
    if (!docker) throw new Error('no dood class');

    // Act
    await runJobs({ ...docker, name: 'placed' }, 6);

    // Assess
    await expect
      .poll(async () => phases(await podsOfClass('placed')), { timeout: 20_000 })
      .toEqual(Array(6).fill('Running'));
    const nodes = new Set((await podsOfClass('placed')).map((pod) => pod.spec?.nodeName));
    const dockerPool = Array.from({ length: FAKE_NODES.dockerPool }, (_, index) => `fake-node-${index}`);
    expect([...nodes].every((node) => dockerPool.includes(node ?? ''))).toBe(true);
  });

  it('gives two dood runners on one node two different runner roots on that node', async () => {
    // Prepare
    const docker = testConfig().runnerClasses.find((runnerClass) => runnerClass.containerMode === 'dood');
    if (!docker) throw new Error('no dood class');
    const oneNode = {
      ...docker,
      name: 'same-node',
      nodeSelector: { 'kubernetes.io/hostname': 'fake-node-0' },
    };

    // Act
    await runJobs(oneNode, 2);

    // Assess
    await expect
      .poll(async () => phases(await podsOfClass('same-node')), { timeout: 20_000 })
      .toEqual(['Running', 'Running']);
    const pods = await podsOfClass('same-node');
    expect(pods.map((pod) => pod.spec?.nodeName)).toEqual(['fake-node-0', 'fake-node-0']);
    const roots = pods.map(
      (pod) => pod.spec?.volumes?.find((volume) => volume.name === 'runner-root')?.hostPath?.path,
    );
    expect(new Set(roots).size).toBe(2);
    for (const [index, pod] of pods.entries()) {
      expect(roots[index]).toBe(`/var/lib/eks-runner-autoscaler/runners/${pod.metadata?.name}`);
      const mounts = pod.spec?.containers[0]?.volumeMounts?.find((mount) => mount.name === 'runner-root');
      expect(mounts?.mountPath).toBe(roots[index]);
    }
  });

  it('keeps a runner that selects a ready-after node Pending that long once scheduled, as an image pull and a boot would, then runs it', async () => {
    // Prepare: a node of this test's own whose runners take 4 s to become ready.
    const { server, adminToken } = inject('controlPlane');
    await addFakeNode(server, adminToken, {
      name: 'slow-boot-node',
      labels: { [READY_AFTER_LABEL]: '4s' },
      taints: [{ key: 'slow-boot', effect: 'NoSchedule' }],
      cpu: '8',
      memory: '32Gi',
    });
    const template = testConfig().runnerClasses[0] as RunnerClass;
    const slow: RunnerClass = {
      ...template,
      name: 'slow-boot',
      nodeSelector: { [READY_AFTER_LABEL]: '4s' },
      tolerations: [{ key: 'slow-boot', operator: 'Exists', effect: 'NoSchedule' }],
    };

    // Act
    await runJobs(slow, 2);
    await runJobs({ ...template, name: 'quick-boot' }, 1);

    // Assess: scheduled but Pending, while the runner without a delay runs; then Running and Ready,
    // seconds later. (KWOK writes the times it rendered the status at, so only what is seen counts.)
    const scheduled = (pod: V1Pod) =>
      pod.status?.conditions?.some(
        (condition) => condition.type === 'PodScheduled' && condition.status === 'True',
      );
    await expect
      .poll(async () => (await podsOfClass('slow-boot')).filter(scheduled).length, { timeout: 20_000 })
      .toBe(2);
    const scheduledSeenAt = Date.now();
    expect(phases(await podsOfClass('slow-boot'))).toEqual(['Pending', 'Pending']);
    await expect
      .poll(async () => phases(await podsOfClass('quick-boot')), { timeout: 20_000 })
      .toEqual(['Running']);
    expect(phases(await podsOfClass('slow-boot'))).toEqual(['Pending', 'Pending']);
    await expect
      .poll(async () => phases(await podsOfClass('slow-boot')), { timeout: 20_000 })
      .toEqual(['Running', 'Running']);
    expect(Date.now() - scheduledSeenAt).toBeGreaterThan(2000);
    for (const pod of await podsOfClass('slow-boot'))
      expect(pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).toBe('True');
  });

  it('keeps runners beyond what the nodes hold Pending, and counts them as taking places', async () => {
    // Prepare: two nodes of this test's own, each with room for one whole-node runner.
    const { server, adminToken } = inject('controlPlane');
    for (const index of [0, 1]) {
      await addFakeNode(server, adminToken, {
        name: `capacity-node-${index}`,
        labels: { 'capacity-test': 'true' },
        taints: [{ key: 'capacity-test', effect: 'NoSchedule' }],
        cpu: '8',
        memory: '32Gi',
      });
    }
    const wholeNode: RunnerClass = {
      ...(testConfig().runnerClasses[0] as RunnerClass),
      name: 'whole-node',
      maxRunners: 10,
      resources: { requests: { cpu: '7' } },
      nodeSelector: { 'capacity-test': 'true' },
      tolerations: [{ key: 'capacity-test', operator: 'Exists', effect: 'NoSchedule' }],
    };

    // Act
    const cluster = await runJobs(wholeNode, 4);

    // Assess
    await expect
      .poll(async () => phases(await podsOfClass('whole-node')), { timeout: 20_000 })
      .toEqual(['Pending', 'Pending', 'Running', 'Running']);
    // The scheduler marks each Pending pod Unschedulable once it has tried it.
    const unschedulableCount = async () =>
      (await podsOfClass('whole-node')).filter((pod) =>
        pod.status?.conditions?.some(
          (condition) => condition.type === 'PodScheduled' && condition.reason === 'Unschedulable',
        ),
      ).length;
    await expect.poll(unschedulableCount, { timeout: 20_000 }).toBe(2);
    // The census sees the same through the scaler's own identity.
    const [census] = takeRunnerCensus(await cluster.listPods(), [wholeNode], new Date());
    expect(census).toMatchObject({
      phases: { Registering: 0, Pending: 2, Running: 2 },
      failing: { unschedulable: 2, 'image-pull': 0 },
    });
    // The scaler sees the Pending pods as taking places: a class of four has none left.
    expect(await cluster.reservePlaces('whole-node', ['whole-node-next'], 4)).toEqual(new Set());
  });

  it('frees the place of a runner whose job finished', async () => {
    // Prepare
    const small = testConfig().runnerClasses.find((runnerClass) => runnerClass.containerMode === 'none');
    if (!small) throw new Error('no none class');
    // A class of two, full: the places it holds are its two pods' (a class with room would also hold spare places).
    const cluster = await runJobs({ ...small, name: 'finishing', maxRunners: 2 }, 2);
    await expect
      .poll(async () => phases(await podsOfClass('finishing')), { timeout: 20_000 })
      .toEqual(['Running', 'Running']);
    const [finished] = await podsOfClass('finishing');

    // Act: what a runner does when its job ends; KWOK plays the kubelet.
    await coreApi('admin').patchNamespacedPod({
      name: finished?.metadata?.name ?? '',
      namespace: inject('controlPlane').namespace,
      body: [
        { op: 'add', path: '/metadata/annotations/test.eks-runner-autoscaler.io~1finish', value: 'true' },
      ],
    });

    // Assess
    await expect
      .poll(async () => phases(await podsOfClass('finishing')), { timeout: 20_000 })
      .toEqual(['Running', 'Succeeded']);
    expect(await cluster.reservePlaces('finishing', ['finishing-next'], 2)).toEqual(
      new Set(['finishing-next']),
    );
  });
});
