import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { ANNOTATION, LABEL } from '../../lib/pod/labels.ts';
import { reconcileRunners } from '../../lib/reconciler/reconcileRunners.ts';
import { processJobRecord } from '../../lib/scaler/processJobRecord.ts';
import { newBatchContext } from '../../lib/scaler/scalerContext.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { RecordingQueue } from '../helpers/scalerHarness.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { coreApi, scalerCluster, uniqueJobId } from './clusterClients.ts';
import { waitFor } from './controlPlane.ts';

/**
 * The scaler and the reconciler as they act on runner pods, for the Karpenter tests: each pool's
 * class is configured alone, so neither touches another test's pods.
 */
function autoscalerFor(runnerClass: RunnerClass) {
  const config = { ...testConfig(), runnerClasses: [runnerClass] };
  const context = {
    config,
    cluster: scalerCluster(),
    registry: new ScriptedRegistry(),
    log: captureLog(),
    metrics: new MetricsRecorder(),
  };
  const deliver = (message: object) =>
    processJobRecord(JSON.stringify(message), newBatchContext(context), new RecordingQueue());
  return { config, context, deliver };
}

const job = (runnerClass: RunnerClass, jobId: number) => ({
  jobId,
  runnerClass: runnerClass.name,
  labels: runnerClass.labels,
  createdAt: new Date().toISOString(),
});

/** Queues `count` jobs of the class through the scaler, which makes a runner pod for each. Returns their names. */
export async function startRunnerPods(runnerClass: RunnerClass, count: number): Promise<string[]> {
  const { deliver } = autoscalerFor(runnerClass);
  const jobIds = Array.from({ length: count }, () => uniqueJobId());
  await Promise.all(jobIds.map((jobId) => deliver(jobMessage(job(runnerClass, jobId)))));
  return jobIds.map((jobId) => `${runnerClass.name}-${jobId}`);
}

/**
 * A reconciler run well past `idleRunnerSeconds`, in which GitHub still queues the runners' own jobs
 * (waiting for an approval, say): it opens the idle runners to disruption.
 */
export async function reconcileIdleRunners(runnerClass: RunnerClass): Promise<void> {
  const { config, context } = autoscalerFor(runnerClass);
  const later = new Date(Date.now() + (config.reconciler.idleRunnerSeconds + 60) * 1000);
  const summary = await reconcileRunners({ ...context, queue: new RecordingQueue(), now: () => later });
  if (summary.failedSteps > 0) throw new Error(`the reconciler failed: ${JSON.stringify(summary)}`);
}

/**
 * A runner's job ends: KWOK completes the pod, as its kubelet would, and the job's `completed`,
 * naming the runner by its ID, reaches the scaler, which removes the pod.
 */
export async function finishJob(runnerClass: RunnerClass, name: string): Promise<void> {
  const namespace = inject('controlPlane').namespace;
  const api = coreApi('admin');
  await api.patchNamespacedPod(
    {
      name,
      namespace,
      body: { metadata: { annotations: { 'test.eks-runner-autoscaler.io/finish': 'true' } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await waitFor(
    `runner pod ${name} to finish`,
    async () => (await api.readNamespacedPod({ name, namespace })).status?.phase === 'Succeeded',
    20_000,
  );
  const pod = await api.readNamespacedPod({ name, namespace });
  const jobId = Number(pod.metadata?.labels?.[LABEL.jobId]);
  const runnerId = Number(pod.metadata?.annotations?.[ANNOTATION.runnerId]);
  await autoscalerFor(runnerClass).deliver(
    jobMessage({ ...job(runnerClass, jobId), action: 'completed', runnerName: name, runnerId }),
  );
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
