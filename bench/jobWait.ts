import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { AutoscalerConfig, RunnerClass } from '../lib/config/autoscalerConfig.ts';
import { reconcileRunners } from '../lib/reconciler/reconcileRunners.ts';
import { percentile } from '../lib/telemetry/percentile.ts';
import type { ControlPlaneAccess } from '../test/cluster/controlPlane.ts';
import { jobMessage } from '../test/helpers/factories.ts';
import type { GitHubStandIn } from '../test/helpers/gitHubStandIn.ts';
import { standInAppRegistry } from '../test/helpers/standInAppRegistry.ts';
import { removePods } from './burst.ts';
import { GitHubAssignment } from './gitHubAssignment.ts';
import { reportProgress } from './progress.ts';
import { startQueueFedAutoscaler } from './queueFedAutoscaler.ts';

/** How the jobs of a scenario arrive: one every 1/rate seconds, or all at once. */
export type Arrival =
  | { kind: 'steady'; jobsPerSecond: number; seconds: number }
  | { kind: 'burst'; jobs: number };

/**
 * What a user waits for: queued jobs, arriving steadily or in a burst, through the local mode's queue
 * and the real scaler, against the real control plane, where runner pods take the class's
 * ready-after delay to become Ready; GitHub's hand-out of each job is modelled by GitHubAssignment.
 * With `poolSize`, the class's warm pool is filled (by the reconciler) and Ready before the first job.
 * Returns each job's wait in milliseconds, p50/p90/p99.
 */
export async function measureJobWait(
  controlPlane: ControlPlaneAccess,
  gitHub: GitHubStandIn,
  baseConfig: AutoscalerConfig,
  runnerClass: RunnerClass,
  options: { arrival: Arrival; poolSize: number },
) {
  const withPool: RunnerClass = options.poolSize
    ? { ...runnerClass, pool: { size: options.poolSize, timezone: 'UTC', schedules: [], scope: 'acme' } }
    : runnerClass;
  const config: AutoscalerConfig = {
    ...baseConfig,
    github: { ...baseConfig.github, apiUrl: gitHub.apiUrl, registrationMode: 'jit' },
    runnerClasses: [withPool],
  };
  const { registry } = standInAppRegistry(gitHub);
  const local = await startQueueFedAutoscaler(controlPlane, config, registry);
  const admin = new KubeConfig();
  admin.loadFromFile(controlPlane.adminKubeconfig);
  const assignment = new GitHubAssignment({
    admin,
    namespace: controlPlane.namespace,
    className: runnerClass.name,
    gitHub,
    deliver: (message) => local.queue.send(message),
  });
  await assignment.start();
  try {
    if (options.poolSize) {
      const { cluster, queue, log, metrics } = local;
      const context = { config, cluster, registry, queue, log, metrics };
      await reconcileRunners({ ...context, now: () => new Date() });
      await untilReady(controlPlane, runnerClass.name, options.poolSize);
    }
    const jobs =
      options.arrival.kind === 'steady'
        ? options.arrival.jobsPerSecond * options.arrival.seconds
        : options.arrival.jobs;
    const stopProgress = reportProgress(
      () =>
        `job wait: ${assignment.waitsMs.length}/${jobs} jobs given a runner, ${assignment.waitingCount} waiting`,
    );
    const firstJobId = 700_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const interval = options.arrival.kind === 'steady' ? 1000 / options.arrival.jobsPerSecond : 0;
    const origin = performance.now();
    for (let index = 0; index < jobs; index++) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, origin + index * interval - performance.now())),
      );
      const message = jobMessage({
        jobId: firstJobId + index,
        runnerClass: runnerClass.name,
        labels: runnerClass.labels,
        deliveryId: `wait-${index}`,
        createdAt: new Date().toISOString(),
      });
      assignment.queued(message);
      await local.queue.send(message);
    }
    const deadline = Date.now() + 300_000;
    while (assignment.waitsMs.length < jobs && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    stopProgress();
    const sorted = [...assignment.waitsMs].sort((a, b) => a - b);
    return {
      jobs,
      started: sorted.length,
      takenByWarm: assignment.takenByWarm,
      /** Share of the jobs that started within a second of being queued. */
      atOnce: sorted.filter((waitMs) => waitMs < 1000).length / Math.max(1, sorted.length),
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
    };
  } finally {
    assignment.stop();
    await local.close();
    await removePods(controlPlane, runnerClass.name);
  }
}

async function untilReady(controlPlane: ControlPlaneAccess, className: string, count: number): Promise<void> {
  const admin = new KubeConfig();
  admin.loadFromFile(controlPlane.adminKubeconfig);
  const api = admin.makeApiClient(CoreV1Api);
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const { items } = await api.listNamespacedPod({
      namespace: controlPlane.namespace,
      labelSelector: `eks-runner-autoscaler.io/class=${className}`,
    });
    if (items.filter((pod) => pod.status?.phase === 'Running').length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`bench: the warm pool of ${className} was not Ready within 180 s`);
}
