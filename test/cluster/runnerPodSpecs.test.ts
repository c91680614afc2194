import { describe, expect, inject, it } from 'vitest';
import type { RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { buildRunnerPod } from '../../lib/pod/buildRunnerPod.ts';
import { buildRunnerSecret } from '../../lib/pod/buildRunnerSecret.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { coreApi, scalerCluster, uniqueJobId } from './clusterClients.ts';
import { adminRequest } from './controlPlane.ts';

const config = testConfig();
const variants = config.runnerClasses.flatMap((runnerClass) =>
  (['jit', 'registration-token'] as const).map((mode) => ({
    label: `${runnerClass.name} (${runnerClass.containerMode}, ${mode})`,
    runnerClass,
    mode,
  })),
);

function podFor(runnerClass: RunnerClass, mode: 'jit' | 'registration-token') {
  return buildRunnerPod(jobMessage({ jobId: uniqueJobId(), runnerClass: runnerClass.name }), runnerClass, {
    namespace: inject('controlPlane').namespace,
    registrationMode: mode,
    registrationUrl: 'https://github.com/acme',
  });
}

describe(`runner pod specs on a real kube-apiserver`, () => {
  it('talks to the version the build script pinned', () => {
    expect(inject('controlPlane').version).toBe('v1.34.2');
  });

  it.each(variants)('accepts $label in a server-side dry run', async ({ runnerClass, mode }) => {
    // Prepare
    const { server, adminToken, namespace } = inject('controlPlane');
    const pod = podFor(runnerClass, mode);

    // Act
    const response = await adminRequest(
      server,
      adminToken,
      'POST',
      `/api/v1/namespaces/${namespace}/pods?dryRun=All`,
      pod,
    );

    // Assess
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  });

  it.each(variants)(
    'creates $label and its Secret as the scaler, gated until released',
    async ({ runnerClass, mode }) => {
      // Prepare
      const cluster = scalerCluster();
      const pod = podFor(runnerClass, mode);
      const name = pod.metadata?.name ?? '';

      // Act
      const creation = await cluster.createPod(pod);
      if (!('created' in creation)) throw new Error('expected a new pod');
      await cluster.createSecret(
        buildRunnerSecret(
          {
            name,
            uid: creation.created.uid,
            namespace: inject('controlPlane').namespace,
            runnerClassName: runnerClass.name,
          },
          mode === 'jit'
            ? { kind: 'jit', runnerId: 1, encodedJitConfig: 'e30=' }
            : { kind: 'registration-token', token: 'AAA' },
        ),
      );
      const released = await cluster.releasePod(creation.created, {
        'eks-runner-autoscaler.io/runner-id': '1',
      });

      // Assess
      expect(creation.created.gated).toBe(true);
      expect(released).toBe(true);
      const stored = await coreApi('admin').readNamespacedPod({
        name,
        namespace: inject('controlPlane').namespace,
      });
      expect(stored.spec?.schedulingGates ?? []).toEqual([]);
      expect(stored.spec?.automountServiceAccountToken).toBe(false);
      expect(stored.metadata?.annotations?.['eks-runner-autoscaler.io/runner-id']).toBe('1');
      const secret = await coreApi('admin').readNamespacedSecret({
        name: `${name}-runner`,
        namespace: inject('controlPlane').namespace,
      });
      expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({
        kind: 'Pod',
        name,
        uid: creation.created.uid,
      });
      expect(JSON.stringify(stored)).not.toContain('e30=');
    },
  );

  it('gives two dood pods different host paths for their runner roots', async () => {
    // Prepare
    const dood = config.runnerClasses.find((runnerClass) => runnerClass.containerMode === 'dood');
    if (!dood) throw new Error('no dood class');
    const cluster = scalerCluster();

    // Act
    const pods = [podFor(dood, 'jit'), podFor(dood, 'jit')];
    for (const pod of pods) await cluster.createPod(pod);

    // Assess
    const stored = await Promise.all(
      pods.map((pod) =>
        coreApi('admin').readNamespacedPod({
          name: pod.metadata?.name ?? '',
          namespace: inject('controlPlane').namespace,
        }),
      ),
    );
    const hostPaths = stored.map(
      (pod) => pod.spec?.volumes?.find((volume) => volume.name === 'runner-root')?.hostPath?.path,
    );
    expect(new Set(hostPaths).size).toBe(2);
    for (const [index, pod] of stored.entries()) expect(hostPaths[index]).toContain(pod.metadata?.name);
  });
});
