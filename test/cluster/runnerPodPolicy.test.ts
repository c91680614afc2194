import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildClusterPrerequisites } from '../../lib/cluster/buildClusterPrerequisites.ts';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { buildRunnerPod } from '../../lib/pod/buildRunnerPod.ts';
import { prerequisitesEvent } from '../helpers/customResourceEvents.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { coreApi, handlePrerequisitesAs, kubeConfigOf } from './clusterClients.ts';
import { waitFor } from './controlPlane.ts';

const NAMESPACE = 'policy-test';
/** A deployment with a `none` class only. */
const NONE_ONLY_NAMESPACE = 'policy-none-only';
const base = testConfig();
const classOf = (mode: RunnerClass['containerMode']) =>
  base.runnerClasses.find(({ containerMode }) => containerMode === mode) as RunnerClass;
/** A deployment with every container mode, and a priority for the `none` class. */
const config: AutoscalerConfig = {
  ...base,
  cluster: { ...base.cluster, namespace: NAMESPACE },
  runnerClasses: [
    { ...classOf('none'), priority: 1000 },
    // Its Docker daemon selects no node, so that it takes no room on the nodes other tests use.
    { ...classOf('dood'), nodeSelector: { 'eks-runner-autoscaler.io/pool': 'none' } },
    classOf('dind'),
  ],
};
const runnerPodOf = (runnerClass: RunnerClass, jobId: number, namespace = NAMESPACE): V1Pod =>
  buildRunnerPod(jobMessage({ jobId, runnerClass: runnerClass.name }), runnerClass, {
    namespace,
    registrationMode: 'jit',
    registrationUrl: 'https://github.com/acme',
  });
const [small, docker, dind] = config.runnerClasses as [RunnerClass, RunnerClass, RunnerClass];

/** What the API server answers the scaler's identity for the pod: `admitted`, or the policy's message. */
async function asScaler(pod: V1Pod): Promise<string> {
  const api = kubeConfigOf('scaler').makeApiClient(CoreV1Api);
  const namespace = pod.metadata?.namespace ?? '';
  return api.createNamespacedPod({ namespace, body: pod, dryRun: 'All' }).then(
    () => 'admitted',
    (error: { code?: number; body?: string }) => {
      const message = (JSON.parse(error.body ?? '{}') as { message?: string }).message ?? '';
      return `${error.code}: ${message}`;
    },
  );
}

/**
 * The deploy's prerequisites in the namespace, and the scaler's rights there, as EKS's edit policy
 * gives; then waits for the API server to load the policy and the RoleBinding (until then an
 * escalation is admitted, or refused by RBAC).
 */
async function deploy(deployment: AutoscalerConfig) {
  const { namespace } = deployment.cluster;
  const applied = await handlePrerequisitesAs(
    'admin',
    prerequisitesEvent('Create', buildClusterPrerequisites(deployment)),
  );
  expect(applied.Status).toBe('SUCCESS');
  await kubeConfigOf('admin')
    .makeApiClient(RbacAuthorizationV1Api)
    .createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'scaler-edit' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [
          { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'eks-runner-autoscaler-scaler' },
        ],
      },
    });
  const pod = runnerPodOf(small, 1, namespace);
  const escalated = { ...pod, spec: { ...pod.spec, hostPID: true } } as V1Pod;
  await waitFor(
    `the runner pod policy of ${namespace} to be loaded`,
    async () => (await asScaler(escalated)).includes('denied request'),
    20_000,
  );
}

beforeAll(async () => {
  await deploy(config);
  await deploy({
    ...config,
    cluster: { ...config.cluster, namespace: NONE_ONLY_NAMESPACE },
    runnerClasses: [small],
  });
  // A service account a pod could run as, with rights the runners must not have.
  await coreApi('admin').createNamespacedServiceAccount({
    namespace: NAMESPACE,
    body: { metadata: { name: 'builder' } },
  });
});

describe("the runner pods' admission policy, on a real kube-apiserver", { timeout: 60_000 }, () => {
  it("admits the scaler's runner pods of every class", async () => {
    // Act
    const answers = await Promise.all(
      [runnerPodOf(small, 2), runnerPodOf(docker, 3), runnerPodOf(dind, 4)].map(asScaler),
    );

    // Assess
    expect(answers).toEqual(['admitted', 'admitted', 'admitted']);
  });

  it('refuses each escalation, saying what a pod there may have', async () => {
    // Prepare
    const pod = runnerPodOf(small, 5);
    const spec = pod.spec ?? { containers: [] };
    const [runner] = spec.containers;
    const dindPod = runnerPodOf(dind, 6);
    const dindSpec = dindPod.spec ?? { containers: [] };
    /** The dind pod, its Docker sidecar changed. */
    const dindWithSidecar = (changes: object): V1Pod => ({
      ...dindPod,
      spec: {
        ...dindSpec,
        initContainers: (dindSpec.initContainers ?? []).map((container) =>
          container.name === 'dockerd' ? { ...container, ...changes } : container,
        ),
      },
    });
    const withSpec = (changes: Partial<NonNullable<V1Pod['spec']>>): V1Pod => ({
      ...pod,
      spec: { ...spec, ...changes },
    });
    const withRunner = (changes: object) => withSpec({ containers: [{ ...runner, ...changes } as never] });

    // Act
    const answers = {
      systemPriority: await asScaler(withSpec({ priorityClassName: 'system-node-critical' })),
      hostNetwork: await asScaler(withSpec({ hostNetwork: true })),
      capability: await asScaler(withRunner({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } })),
      privilegedRunner: await asScaler(withRunner({ securityContext: { privileged: true } })),
      sidecarRunningAShell: await asScaler(dindWithSidecar({ command: ['sh', '-c', 'id'] })),
      sidecarOtherImage: await asScaler(dindWithSidecar({ image: 'busybox' })),
      nodeRoot: await asScaler(
        withSpec({ volumes: [...(spec.volumes ?? []), { name: 'node', hostPath: { path: '/' } }] }),
      ),
      otherServiceAccount: await asScaler(withSpec({ serviceAccountName: 'builder' })),
    };

    // Assess
    expect(answers).toEqual({
      systemPriority: expect.stringMatching(
        /^403: .*may have only the PriorityClass of a runner class: eks-runner-autoscaler-linux-small-priority-1000/,
      ),
      hostNetwork: expect.stringMatching(/^403: .*may not share the node's network/),
      capability: expect.stringMatching(/^403: .*may not add capabilities/),
      privilegedRunner: expect.stringMatching(
        /^403: .*may be privileged only as a dind class's Docker sidecar/,
      ),
      sidecarRunningAShell: expect.stringMatching(
        /^403: .*may be privileged only as a dind class's Docker sidecar/,
      ),
      sidecarOtherImage: expect.stringMatching(
        /^403: .*may be privileged only as a dind class's Docker sidecar/,
      ),
      nodeRoot: expect.stringMatching(/^403: .*may mount a node path only for a dood class/),
      otherServiceAccount: expect.stringMatching(/^403: .*runs as the default service account only/),
    });
  });

  it('follows the config: where no class is dind or dood, no pod is privileged or mounts a node path', async () => {
    // Act
    const answers = await Promise.all(
      [
        runnerPodOf(small, 8, NONE_ONLY_NAMESPACE),
        runnerPodOf(dind, 9, NONE_ONLY_NAMESPACE),
        runnerPodOf(docker, 10, NONE_ONLY_NAMESPACE),
      ].map(asScaler),
    );

    // Assess
    expect(answers).toEqual([
      'admitted',
      expect.stringMatching(
        /^403: .*may be privileged only as a dind class's Docker sidecar, and no class is dind/,
      ),
      expect.stringMatching(/^403: .*may mount a node path only for a dood class.*, and no class is dood/),
    ]);
  });

  it("admits the pods the DaemonSet controller makes for a dood placement's daemon and janitor", async () => {
    // Prepare: the dood class moves to a node of its own, once the policy is loaded, so that its
    // new DaemonSets' pods are made under it.
    const moved = {
      ...config,
      runnerClasses: config.runnerClasses.map((runnerClass) =>
        runnerClass === docker
          ? { ...docker, nodeSelector: { 'kubernetes.io/hostname': 'fake-node-7' } }
          : runnerClass,
      ),
    };
    const objects = buildClusterPrerequisites(moved);
    const daemonSets = objects
      .filter(({ kind }) => kind === 'DaemonSet')
      .map(({ metadata }) => metadata.name);

    // Act
    const updated = await handlePrerequisitesAs(
      'admin',
      prerequisitesEvent('Update', objects, buildClusterPrerequisites(config)),
    );

    // Assess
    expect(updated.Status).toBe('SUCCESS');
    const apps = kubeConfigOf('admin').makeApiClient(AppsV1Api);
    const ready = async () =>
      Promise.all(
        daemonSets.map(
          async (name) =>
            (await apps.readNamespacedDaemonSet({ namespace: NAMESPACE, name })).status?.numberReady,
        ),
      );
    await expect.poll(ready, { timeout: 30_000 }).toEqual([1, 1]);
  });

  it('leaves pods elsewhere alone', async () => {
    // Act: the same escalation, in another namespace, as the admin.
    const pod = runnerPodOf(small, 7);
    const answer = await coreApi('admin')
      .createNamespacedPod({
        namespace: 'elsewhere',
        body: {
          ...pod,
          metadata: { ...pod.metadata, namespace: 'elsewhere' },
          spec: { ...pod.spec, containers: pod.spec?.containers ?? [], hostPID: true },
        },
        dryRun: 'All',
      })
      .then(
        () => 'admitted',
        (error: { code?: number }) => String(error.code),
      );

    // Assess
    expect(answer).toBe('admitted');
  });
});
