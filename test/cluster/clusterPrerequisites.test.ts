import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppsV1Api, SchedulingV1Api, type V1DaemonSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { sendCustomResourceResponse } from '../../lib/adapters/customResourceResponse.ts';
import { buildClusterPrerequisites, DOCKERD_DATA_ROOT } from '../../lib/cluster/buildClusterPrerequisites.ts';
import type { ApiObject } from '../../lib/cluster/clusterManifests.ts';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { buildRunnerPod, RUNNER_ROOT_PARENT } from '../../lib/pod/buildRunnerPod.ts';
import { LABEL, MANAGED_BY } from '../../lib/pod/labels.ts';
import { prerequisitesEvent } from '../helpers/customResourceEvents.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { coreApi, handlePrerequisitesAs, kubeConfigOf } from './clusterClients.ts';
import { FAKE_NODES, waitFor } from './controlPlane.ts';

const base = testConfig();
const docker = base.runnerClasses.find(({ containerMode }) => containerMode === 'dood') as RunnerClass;
/** Two dood classes on the docker pool (one daemon serves both), and one on a node of its own. */
const config: AutoscalerConfig = {
  ...base,
  cluster: { ...base.cluster, namespace: 'prerequisites-test' },
  runnerClasses: [
    docker,
    { ...docker, name: 'docker-large' },
    {
      ...docker,
      name: 'docker-pinned',
      nodeSelector: { 'kubernetes.io/hostname': 'fake-node-5' },
      tolerations: [],
    },
    ...base.runnerClasses.filter(({ containerMode }) => containerMode !== 'dood'),
  ],
};

/** The DaemonSets' names, after their placement: the docker pool's, then fake-node-5's. */
const [DOCKERD, JANITOR, PINNED_DOCKERD, PINNED_JANITOR] = buildClusterPrerequisites(config)
  .filter(({ kind }) => kind === 'DaemonSet')
  .map(({ metadata }) => metadata.name) as [string, string, string, string];

const apps = () => kubeConfigOf('admin').makeApiClient(AppsV1Api);

async function daemonSets() {
  const { items } = await apps().listNamespacedDaemonSet({ namespace: 'prerequisites-test' });
  return items;
}

describe('cluster prerequisites on a real kube-apiserver', { timeout: 60_000 }, () => {
  it('applies the namespace and one Docker daemon per dood placement, which runs on exactly those nodes', async () => {
    // Prepare
    const objects = buildClusterPrerequisites(config);

    // Act
    const response = await handlePrerequisitesAs('admin', prerequisitesEvent('Create', objects));

    // Assess
    expect(response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'ClusterPrerequisites-cluster-prerequisites',
    });
    expect((await coreApi('admin').readNamespace({ name: 'prerequisites-test' })).metadata?.name).toBe(
      'prerequisites-test',
    );
    expect((await daemonSets()).map((daemonSet) => daemonSet.metadata?.name).sort()).toEqual(
      [DOCKERD, JANITOR, PINNED_DOCKERD, PINNED_JANITOR].sort(),
    );
    expect(DOCKERD).toMatch(/^eks-runner-autoscaler-dockerd-[0-9a-f]{10}$/);
    const containersOf = async (name: string) =>
      (await daemonSets())
        .find((set) => set.metadata?.name === name)
        ?.spec?.template.spec?.containers.map(({ name, image, volumeMounts }) => [
          name,
          image,
          volumeMounts?.map(({ mountPath }) => mountPath),
        ]);
    expect(await containersOf(DOCKERD)).toEqual([
      ['dockerd', 'docker:28-dind', ['/var/run', DOCKERD_DATA_ROOT, RUNNER_ROOT_PARENT]],
    ]);
    expect(await containersOf(JANITOR)).toEqual([
      ['runner-root-janitor', docker.image, [RUNNER_ROOT_PARENT, '/var/run']],
    ]);
    // The DaemonSet controller places a daemon on each node the classes' pods may use, and KWOK runs it.
    const ready = async () =>
      Object.fromEntries((await daemonSets()).map((set) => [set.metadata?.name, set.status?.numberReady]));
    await expect.poll(ready, { timeout: 30_000 }).toEqual({
      [PINNED_DOCKERD]: 1,
      [DOCKERD]: FAKE_NODES.dockerPool,
      [PINNED_JANITOR]: 1,
      [JANITOR]: FAKE_NODES.dockerPool,
    });
  });

  it('changes nothing when applied again, and removes a daemon whose class is gone', async () => {
    // Prepare
    const objects = buildClusterPrerequisites(config);
    const before = Object.fromEntries(
      (await daemonSets()).map((set) => [set.metadata?.name, set.metadata?.resourceVersion]),
    );
    const withoutPinned = buildClusterPrerequisites({
      ...config,
      runnerClasses: config.runnerClasses.filter(({ name }) => name !== 'docker-pinned'),
    });

    // Act
    const again = await handlePrerequisitesAs('admin', prerequisitesEvent('Update', objects, objects));
    const after = Object.fromEntries(
      (await daemonSets()).map((set) => [set.metadata?.name, set.metadata?.resourceVersion]),
    );
    const shrunk = await handlePrerequisitesAs('admin', prerequisitesEvent('Update', withoutPinned, objects));

    // Assess
    expect(again.Status).toBe('SUCCESS');
    expect(after[DOCKERD]).toBe(before[DOCKERD]);
    expect(shrunk).toMatchObject({ Status: 'SUCCESS', Reason: 'applied 5 objects, removed 2' });
    expect((await daemonSets()).map((set) => set.metadata?.name).sort()).toEqual([DOCKERD, JANITOR]);
  });

  it('keeps the daemon under running jobs when its classes change, and drops one named after a class on upgrade', async () => {
    // Prepare: the docker pool's daemon as an earlier version named it, after its first class.
    const current = buildClusterPrerequisites({
      ...config,
      runnerClasses: config.runnerClasses.filter(({ name }) => name !== 'docker-pinned'),
    });
    const namedAfterFirstClass = current.map((object) =>
      object.kind === 'DaemonSet'
        ? renamed(object, object.metadata.name.replace(/[0-9a-f]{10}$/, docker.name))
        : object,
    );
    await handlePrerequisitesAs('admin', prerequisitesEvent('Update', namedAfterFirstClass, current));
    const renamedClasses = buildClusterPrerequisites({
      ...config,
      runnerClasses: config.runnerClasses
        .filter(({ name }) => name !== 'docker-pinned')
        .map((runnerClass) => ({ ...runnerClass, name: `${runnerClass.name}-v2` })),
    });
    const uid = async (name: string) =>
      (await apps().readNamespacedDaemonSet({ namespace: 'prerequisites-test', name })).metadata?.uid;

    // Act
    const upgraded = await handlePrerequisitesAs(
      'admin',
      prerequisitesEvent('Update', current, namedAfterFirstClass),
    );
    const daemonAfterUpgrade = await uid(DOCKERD);
    const classesRenamed = await handlePrerequisitesAs(
      'admin',
      prerequisitesEvent('Update', renamedClasses, current),
    );

    // Assess
    expect(upgraded).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringMatching(/removed 2$/) });
    expect(classesRenamed).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringMatching(/removed 0$/) });
    expect((await daemonSets()).map((set) => set.metadata?.name).sort()).toEqual([DOCKERD, JANITOR]);
    expect(await uid(DOCKERD)).toBe(daemonAfterUpgrade);
  });

  it("answers FAILED with the API server's reason when the identity may not apply them", async () => {
    // Act: the scaler's identity may not create namespaces.
    const response = await handlePrerequisitesAs(
      'scaler',
      prerequisitesEvent('Create', buildClusterPrerequisites(config)),
    );

    // Assess
    expect(response).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(/apply Namespace prerequisites-test failed \(403\)/),
    });
  });

  it('makes a never-preempting PriorityClass for a class with a priority, which its pods get', async () => {
    // Prepare: linux-small runs at priority 1000, then at 2000.
    const small = base.runnerClasses.find(({ containerMode }) => containerMode === 'none') as RunnerClass;
    const at = (priority: number) => ({ ...config, runnerClasses: [{ ...small, priority }] });
    const first = buildClusterPrerequisites(at(1000));
    const scheduling = kubeConfigOf('admin').makeApiClient(SchedulingV1Api);
    // Only this test's: another file makes PriorityClasses of ours at the same time.
    const ours = async () =>
      (await scheduling.listPriorityClass({ labelSelector: `${LABEL.managedBy}=${MANAGED_BY}` })).items
        .filter(({ metadata }) => metadata?.name?.startsWith('eks-runner-autoscaler-linux-small-'))
        .map(({ metadata, value, preemptionPolicy }) => [metadata?.name, value, preemptionPolicy]);

    // Act
    const created = await handlePrerequisitesAs('admin', prerequisitesEvent('Create', first));
    const classesAt1000 = await ours();
    const runnerPod = buildRunnerPod(
      jobMessage({ runnerClass: small.name }),
      at(1000).runnerClasses[0] as RunnerClass,
      {
        namespace: 'prerequisites-test',
        registrationMode: 'jit',
        registrationUrl: 'https://github.com/acme',
      },
    );
    // The API server takes a moment to load the runner pods' policy, changed to admit the class.
    const create = (dryRun?: 'All') =>
      coreApi('admin').createNamespacedPod({ namespace: 'prerequisites-test', body: runnerPod, dryRun });
    await waitFor(
      'the runner pod policy to admit the new PriorityClass',
      async () => Boolean(await create('All')),
      20_000,
    );
    const pod = await create();
    const changed = await handlePrerequisitesAs(
      'admin',
      prerequisitesEvent('Update', buildClusterPrerequisites(at(2000)), first),
    );
    const classesAt2000 = await ours();
    await handlePrerequisitesAs('admin', prerequisitesEvent('Delete', buildClusterPrerequisites(at(2000))));

    // Assess: the API server resolved the class into the pod's priority; a new value is a new class.
    expect(created.Status).toBe('SUCCESS');
    expect(classesAt1000).toEqual([['eks-runner-autoscaler-linux-small-priority-1000', 1000, 'Never']]);
    expect([pod.spec?.priorityClassName, pod.spec?.priority]).toEqual([
      'eks-runner-autoscaler-linux-small-priority-1000',
      1000,
    ]);
    expect(changed).toMatchObject({ Status: 'SUCCESS', Reason: 'applied 4 objects, removed 1' });
    expect(classesAt2000).toEqual([['eks-runner-autoscaler-linux-small-priority-2000', 2000, 'Never']]);
    expect(await ours()).toEqual([]);
  });

  it('removes the daemons on Delete but keeps the namespace, which may still hold runners', async () => {
    // Act
    const response = await handlePrerequisitesAs(
      'admin',
      prerequisitesEvent('Delete', buildClusterPrerequisites(config)),
    );

    // Assess
    expect(response.Status).toBe('SUCCESS');
    expect(await daemonSets()).toEqual([]);
    expect((await coreApi('admin').readNamespace({ name: 'prerequisites-test' })).status?.phase).toBe(
      'Active',
    );
  });
});

/** The DaemonSet under another name, as the deploy would have applied it then. */
function renamed(object: ApiObject, name: string): ApiObject {
  const labels = { ...object.metadata.labels, 'app.kubernetes.io/name': name };
  const daemonSet = structuredClone(object) as V1DaemonSet;
  daemonSet.metadata = { ...daemonSet.metadata, name, labels };
  if (daemonSet.spec) {
    daemonSet.spec.selector = { matchLabels: labels };
    daemonSet.spec.template.metadata = { labels };
  }
  return daemonSet as ApiObject;
}

describe('the CloudFormation response', () => {
  it('is PUT to the pre-signed URL with an empty content type, as CloudFormation requires', async () => {
    // Prepare
    const received: { method?: string; contentType?: string; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push({ method: request.method, contentType: request.headers['content-type'], body });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    // Act
    try {
      await sendCustomResourceResponse(`http://127.0.0.1:${port}/presigned?X-Amz-Signature=abc`, {
        Status: 'SUCCESS',
        Reason: 'ok',
        PhysicalResourceId: 'id',
        StackId: 'stack',
        RequestId: 'request',
        LogicalResourceId: 'resource',
      });
    } finally {
      server.close();
    }

    // Assess
    expect(received).toEqual([
      { method: 'PUT', contentType: '', body: expect.stringContaining('"Status":"SUCCESS"') },
    ]);
  });
});
