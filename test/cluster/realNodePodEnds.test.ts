import { beforeAll, describe, expect, it } from 'vitest';
import { KubernetesRunnerCluster } from '../../lib/adapters/kubernetesRunnerCluster.ts';
import { takeRunnerCensus } from '../../lib/census/takeRunnerCensus.ts';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { coreApi } from './clusterClients.ts';
import { waitFor } from './controlPlane.ts';
import { REAL_NODE } from './realNodeNames.ts';
import {
  applyPrerequisites,
  REAL_NODE_NAMESPACE,
  realNodeConfig,
  standInJob,
  startRunnerPod,
} from './realNodePods.ts';

/**
 * How runner pods end on a real kubelet, read back through the Kubernetes adapter and counted by the
 * census as the reconciler sees them: KWOK's stages only ever set the fields these tests assert.
 */
const cluster = new KubernetesRunnerCluster({
  namespace: REAL_NODE_NAMESPACE,
  api: async () => coreApi('admin'),
});

async function seenWhenSettled(
  config: AutoscalerConfig,
  name: string,
  settled: (phase: string, problem?: string) => boolean,
) {
  let pod = await cluster.readPod(name);
  await waitFor(
    `runner pod ${name} to settle`,
    async () => {
      pod = await cluster.readPod(name);
      return pod !== undefined && settled(pod.phase, pod.problem);
    },
    120_000,
  );
  if (!pod) throw new Error(`runner pod ${name} is gone`);
  const [census] = takeRunnerCensus([pod], config.runnerClasses, new Date());
  return { pod, census };
}

describe('runner pods ending on the real node, as the reconciler and the census see them', {
  timeout: 180_000,
}, () => {
  beforeAll(async () => {
    // The runner namespace, as the deploy makes it.
    await applyPrerequisites(realNodeConfig('none'));
  }, 60_000);

  it('a runner killed for memory is oom-killed, the job own end and no infrastructure kill', async () => {
    // Prepare
    const config = realNodeConfig('none', {
      name: 'real-oom',
      resources: { requests: { cpu: '100m', memory: '32Mi' }, limits: { memory: '32Mi' } },
    });
    const greedy = standInJob({ script: `awk 'BEGIN { s = "x"; while (1) s = s s }'` });

    // Act
    const name = await startRunnerPod(config, [greedy]);
    const { pod, census } = await seenWhenSettled(config, name, (phase) => phase === 'Failed');

    // Assess
    expect(pod.problem).toBe('oom-killed');
    expect(pod.killedBy).toBeUndefined();
    expect(census?.failing['oom-killed']).toBe(1);
  });

  it('a job over the class maximum duration fails with DeadlineExceeded, the job own end', async () => {
    // Prepare
    const config = realNodeConfig('none', { name: 'real-deadline', maxJobDurationSeconds: 5 });
    const endless = standInJob({ script: 'sleep 600' });

    // Act
    const name = await startRunnerPod(config, [endless]);
    const { pod, census } = await seenWhenSettled(config, name, (phase) => phase === 'Failed');

    // Assess
    const stored = await coreApi('admin').readNamespacedPod({ namespace: REAL_NODE_NAMESPACE, name });
    expect(stored.status?.reason).toBe('DeadlineExceeded');
    expect(pod.problem).toBe('failed');
    expect(pod.killedBy).toBeUndefined();
    expect(census?.failing.failed).toBe(1);
  });

  it('a dind runner whose Docker sidecar cannot start never starts, and is counted as a config error', async () => {
    // Prepare: an image with no dockerd in it.
    const config = realNodeConfig('dind', { name: 'real-no-daemon', dindImage: REAL_NODE.images.busybox });

    // Act
    const name = await startRunnerPod(config, [standInJob({ script: 'true' })]);
    const { pod, census } = await seenWhenSettled(config, name, (_, problem) => problem !== undefined);

    // Assess
    const stored = await coreApi('admin').readNamespacedPod({ namespace: REAL_NODE_NAMESPACE, name });
    expect(stored.status?.containerStatuses?.[0]?.state?.running).toBeUndefined();
    expect(pod.problem).toBe('config-error');
    expect(census?.failing['config-error']).toBe(1);
  });
});
