import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { buildRunnerPod } from '../../lib/pod/buildRunnerPod.ts';
import { OPEN_TO_DISRUPTION, PROTECTED_FROM_DISRUPTION } from '../../lib/pod/disruption.ts';
import { LABEL } from '../../lib/pod/labels.ts';
import { jobMessage } from '../helpers/factories.ts';
import { coreApi, uniqueJobId } from './clusterClients.ts';
import { waitFor } from './controlPlane.ts';

/*
 * What the scaler and the reconciler do to runner pods, for the Karpenter tests, with the scaler's
 * identity. It stands in for the calls that protect a new runner and open an idle one, which are
 * being written as these tests are (and for the adapter's calls, whose signatures change with them);
 * once they exist, these helpers should call them.
 */

const asMergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Makes `count` runner pods as the scaler does (the real pod spec, created gated, then released),
 * all released at once so that Karpenter sees them pending together. Returns their names.
 */
export async function startRunnerPods(runnerClass: RunnerClass, count: number): Promise<string[]> {
  const namespace = inject('controlPlane').namespace;
  const api = coreApi('scaler');
  const pods = Array.from({ length: count }, () =>
    protectedFromCreation(
      buildRunnerPod(jobMessage({ jobId: uniqueJobId(), runnerClass: runnerClass.name }), runnerClass, {
        namespace,
        registrationMode: 'jit',
        registrationUrl: 'https://github.com/acme',
      }),
    ),
  );
  await Promise.all(pods.map((body) => api.createNamespacedPod({ namespace, body })));
  const names = pods.map((pod) => pod.metadata?.name ?? '');
  const release = { spec: { schedulingGates: [] } };
  await Promise.all(
    names.map((name) => api.patchNamespacedPod({ name, namespace, body: release }, asMergePatch)),
  );
  return names;
}

/** buildRunnerPod is to protect every runner pod from creation; until it does, the pod is protected here. */
function protectedFromCreation(pod: V1Pod): V1Pod {
  const metadata = {
    ...pod.metadata,
    annotations: { ...PROTECTED_FROM_DISRUPTION, ...pod.metadata?.annotations },
  };
  return { ...pod, metadata };
}

/** What the reconciler does to a runner that is idle with no job of its own waiting. */
export async function openToDisruption(name: string): Promise<void> {
  await coreApi('scaler').patchNamespacedPod(
    {
      name,
      namespace: inject('controlPlane').namespace,
      body: { metadata: { annotations: OPEN_TO_DISRUPTION } },
    },
    asMergePatch,
  );
}

/** A runner's job ends (KWOK completes the pod, as its kubelet would), and the finished pod is removed. */
export async function finishJob(name: string): Promise<void> {
  const namespace = inject('controlPlane').namespace;
  const api = coreApi('admin');
  await api.patchNamespacedPod(
    {
      name,
      namespace,
      body: { metadata: { annotations: { 'test.eks-runner-autoscaler.io/finish': 'true' } } },
    },
    asMergePatch,
  );
  await waitFor(
    `runner pod ${name} to finish`,
    async () => (await api.readNamespacedPod({ name, namespace })).status?.phase === 'Succeeded',
    20_000,
  );
  await coreApi('scaler').deleteNamespacedPod({ name, namespace });
}

/** The runner pods of a class that are not being deleted, by name. */
export async function runnerPodsOf(runnerClass: RunnerClass): Promise<Map<string, V1Pod>> {
  const { items } = await coreApi('admin').listNamespacedPod({
    namespace: inject('controlPlane').namespace,
    labelSelector: `${LABEL.runnerClass}=${runnerClass.name}`,
  });
  return new Map(
    items.filter((pod) => !pod.metadata?.deletionTimestamp).map((pod) => [pod.metadata?.name ?? '', pod]),
  );
}
