import {
  AppsV1Api,
  AuthorizationV1Api,
  type KubernetesObject,
  SchedulingV1Api,
  type V1ResourceAttributes,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildClusterPrerequisites } from '../../lib/cluster/buildClusterPrerequisites.ts';
import { buildPrerequisitesAccess } from '../../lib/cluster/buildPrerequisitesAccess.ts';
import type { ApiObject } from '../../lib/cluster/clusterManifests.ts';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { prerequisitesEvent } from '../helpers/customResourceEvents.ts';
import { testConfig } from '../helpers/factories.ts';
import {
  applierAs,
  coreApi,
  handlePrerequisitesAs,
  kubeConfigOf,
  waitsPassAtOnce,
} from './clusterClients.ts';
import { PREREQUISITES_NAMESPACE } from './controlPlaneIdentities.ts';

const base = testConfig();
const classOf = (mode: RunnerClass['containerMode']) =>
  base.runnerClasses.find(({ containerMode }) => containerMode === mode) as RunnerClass;
/**
 * A deployment in the prerequisites identity's namespace, with a PriorityClass and a Docker daemon.
 * The daemon selects no node, so that it takes no room on the nodes other tests use.
 */
const config: AutoscalerConfig = {
  ...base,
  cluster: { ...base.cluster, namespace: PREREQUISITES_NAMESPACE },
  runnerClasses: [
    { ...classOf('none'), name: 'narrow-small', priority: 1500 },
    { ...classOf('dood'), name: 'narrow-docker', nodeSelector: { 'eks-runner-autoscaler.io/pool': 'none' } },
  ],
};
/** The dood placement's daemon and janitor, named after the placement (a hash), as the deploy names them. */
const DAEMON_SETS = buildClusterPrerequisites(config)
  .filter(({ kind }) => kind === 'DaemonSet')
  .map(({ metadata }) => metadata.name);

const withPriority2500AndNoDocker: AutoscalerConfig = {
  ...config,
  runnerClasses: [{ ...classOf('none'), name: 'narrow-small', priority: 2500 }],
};

const names = (items: KubernetesObject[]) => items.map(({ metadata }) => metadata?.name);
async function prerequisitesInCluster() {
  const apps = kubeConfigOf('admin').makeApiClient(AppsV1Api);
  const scheduling = kubeConfigOf('admin').makeApiClient(SchedulingV1Api);
  const priorityClasses = (await scheduling.listPriorityClass()).items.filter(({ metadata }) =>
    metadata?.name?.startsWith('eks-runner-autoscaler-narrow-'),
  );
  return {
    daemonSets: names((await apps.listNamespacedDaemonSet({ namespace: PREREQUISITES_NAMESPACE })).items),
    priorityClasses: names(priorityClasses),
    namespace: (await coreApi('admin').readNamespace({ name: PREREQUISITES_NAMESPACE })).status?.phase,
  };
}

/** Installs the RBAC as the deploy with cluster-admin does, and waits for the API server's RBAC cache to have it. */
async function installPrerequisitesAccess() {
  const installed = await handlePrerequisitesAs(
    'admin',
    prerequisitesEvent('Create', buildPrerequisitesAccess(config)),
  );
  const authorization = kubeConfigOf('prerequisites').makeApiClient(AuthorizationV1Api);
  const allowed = async (resourceAttributes: V1ResourceAttributes) =>
    (await authorization.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes } } })).status
      ?.allowed;
  await expect
    .poll(async () => [
      await allowed({ verb: 'create', resource: 'priorityclasses', group: 'scheduling.k8s.io' }),
      await allowed({
        verb: 'create',
        resource: 'daemonsets',
        group: 'apps',
        namespace: PREREQUISITES_NAMESPACE,
      }),
    ])
    .toEqual([true, true]);
  return installed;
}

/** What the API server answers the prerequisites identity: `allowed`, or the reason it cannot. */
const attempt = (work: Promise<unknown>) =>
  work.then(
    () => 'allowed',
    (error: { because?: string; code?: number }) => error.because ?? error.code,
  );

describe('the prerequisites function with only the rights of its RBAC, on a real kube-apiserver', {
  timeout: 60_000,
}, () => {
  it('is refused before a deploy with cluster-admin applied its RBAC, and told so', async () => {
    // Act
    const response = await handlePrerequisitesAs(
      'prerequisites',
      prerequisitesEvent('Create', buildClusterPrerequisites(config)),
    );

    // Assess
    expect(response).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(
        /apply Namespace prerequisites-narrow failed \(403\).*a deploy with -c prerequisitesClusterAdmin=true/,
      ),
    });
  });

  it('is refused at first while its access takes effect, and applies once it has', async () => {
    // Prepare: the rights arrive after the second refusal, as an EKS access entry applies seconds
    // after it is made.
    const objects = buildClusterPrerequisites(config);
    let refusals = 0;
    const rightsArrive = waitsPassAtOnce(async (wait) => {
      refusals = wait;
      if (wait === 2) await installPrerequisitesAccess();
    });

    // Act
    const created = await handlePrerequisitesAs(
      'prerequisites',
      prerequisitesEvent('Create', objects),
      rightsArrive,
    );

    // Assess
    expect(refusals).toBe(2);
    expect(created).toMatchObject({ Status: 'SUCCESS', Reason: 'applied 6 objects, removed 0' });
    expect(await prerequisitesInCluster()).toEqual({
      daemonSets: DAEMON_SETS,
      priorityClasses: ['eks-runner-autoscaler-narrow-small-priority-1500'],
      namespace: 'Active',
    });
  });

  it('applies, changes and removes the prerequisites with those rights alone, keeping the namespace', async () => {
    // Prepare
    const rbac = await installPrerequisitesAccess();
    const objects = buildClusterPrerequisites(config);
    const changed = buildClusterPrerequisites(withPriority2500AndNoDocker);

    // Act
    const created = await handlePrerequisitesAs('prerequisites', prerequisitesEvent('Create', objects));
    const afterCreate = await prerequisitesInCluster();
    const updated = await handlePrerequisitesAs(
      'prerequisites',
      prerequisitesEvent('Update', changed, objects),
    );
    const afterUpdate = await prerequisitesInCluster();
    const deleted = await handlePrerequisitesAs('prerequisites', prerequisitesEvent('Delete', changed));

    // Assess
    expect(rbac.Status).toBe('SUCCESS');
    expect(created).toMatchObject({ Status: 'SUCCESS', Reason: 'applied 6 objects, removed 0' });
    expect(afterCreate).toEqual({
      daemonSets: DAEMON_SETS,
      priorityClasses: ['eks-runner-autoscaler-narrow-small-priority-1500'],
      namespace: 'Active',
    });
    expect(updated).toMatchObject({ Status: 'SUCCESS', Reason: 'applied 4 objects, removed 3' });
    expect(afterUpdate).toEqual({
      daemonSets: [],
      priorityClasses: ['eks-runner-autoscaler-narrow-small-priority-2500'],
      namespace: 'Active',
    });
    expect(deleted).toMatchObject({
      Status: 'SUCCESS',
      Reason: 'removed the cluster prerequisites, keeping the namespace',
    });
    expect(await prerequisitesInCluster()).toEqual({
      daemonSets: [],
      priorityClasses: [],
      namespace: 'Active',
    });
  });

  it('may do nothing else: no other namespace, workload or DaemonSet elsewhere, no Secrets, no RBAC', async () => {
    // Prepare: the rights, also when this test runs alone.
    await installPrerequisitesAccess();
    const applier = applierAs('prerequisites');
    const core = coreApi('prerequisites');
    const daemonSet = buildClusterPrerequisites(config).find(({ kind }) => kind === 'DaemonSet') as ApiObject;

    // Act
    const attempts = {
      anotherNamespace: await attempt(
        applier.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prerequisites-other' } }),
      ),
      deleteItsNamespace: await attempt(core.deleteNamespace({ name: PREREQUISITES_NAMESPACE })),
      daemonSetElsewhere: await attempt(
        applier.apply({ ...daemonSet, metadata: { ...daemonSet.metadata, namespace: 'elsewhere' } }),
      ),
      podInItsNamespace: await attempt(
        core.createNamespacedPod({
          namespace: PREREQUISITES_NAMESPACE,
          body: {
            metadata: { name: 'not-allowed' },
            spec: { containers: [{ name: 'c', image: 'busybox' }] },
          },
        }),
      ),
      readSecrets: await attempt(core.listNamespacedSecret({ namespace: PREREQUISITES_NAMESPACE })),
      clusterRole: await attempt(
        applier.apply({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'prerequisites-escalation' },
        }),
      ),
    };

    // Assess
    expect(attempts).toEqual({
      anotherNamespace: 'forbidden',
      deleteItsNamespace: 403,
      daemonSetElsewhere: 'forbidden',
      podInItsNamespace: 403,
      readSecrets: 403,
      clusterRole: 'forbidden',
    });
  });
});
