import { type V1Pod, Watch } from '@kubernetes/client-node';
import { GitHubRunnerRegistry } from '../lib/adapters/githubRunnerRegistry.ts';
import { CoreV1Api, KubeConfig } from '../lib/adapters/kubernetesLibrary.ts';
import { KubernetesRunnerCluster } from '../lib/adapters/kubernetesRunnerCluster.ts';
import type { AutoscalerConfig, RunnerClass } from '../lib/config/autoscalerConfig.ts';
import { startLocalAutoscaler } from '../local/startLocalAutoscaler.ts';
import type { ControlPlaneAccess } from '../test/cluster/controlPlane.ts';
import type { GitHubStandIn } from '../test/helpers/gitHubStandIn.ts';
import { queuedJob } from '../test/helpers/hostileRequests.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../test/helpers/webhookRequests.ts';
import { reportProgress } from './progress.ts';
import { summarize } from './statistics.ts';

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * End to end at a steady rate: signed `queued` webhooks into the local mode's HTTP endpoint, each
 * timed until its pod is Running on a fake node; then `completed` webhooks, each timed until its pod
 * is gone. Times come from a watch on the runner pods.
 */
export async function runEndToEnd(
  controlPlane: ControlPlaneAccess,
  gitHub: GitHubStandIn,
  baseConfig: AutoscalerConfig,
  runnerClass: RunnerClass,
  options: { jobsPerSecond: number; seconds: number },
) {
  // Registration tokens: a JIT config is a write GitHub allows 180 a minute per App, which the
  // scaler keeps to, so a steady 20 jobs a second would time the pacing, not the pipeline
  // (`whatUsersFeel.gitHubLimitedBurst` measures that).
  const config: AutoscalerConfig = {
    ...baseConfig,
    github: {
      ...baseConfig.github,
      apiUrl: gitHub.apiUrl,
      allowedOrgs: [],
      registrationMode: 'registration-token',
    },
    runnerClasses: [runnerClass],
  };
  const scalerConfig = new KubeConfig();
  scalerConfig.loadFromFile(controlPlane.scalerKubeconfig);
  const api = scalerConfig.makeApiClient(CoreV1Api);
  const local = await startLocalAutoscaler({
    config,
    webhookSecrets: { current: WEBHOOK_SECRET },
    cluster: new KubernetesRunnerCluster({ namespace: controlPlane.namespace, api: async () => api }),
    registry: new GitHubRunnerRegistry({ github: config.github, privateKey: gitHub.appPrivateKey }),
    log: silentLog,
    port: 0,
  });
  const running = new Map<string, number>();
  const gone = new Map<string, number>();
  const watch = await watchPods(controlPlane, runnerClass.name, running, gone);
  try {
    const template = queuedJob();
    template.workflow_job.labels = runnerClass.labels;
    const firstJobId = 500_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const total = options.jobsPerSecond * options.seconds;
    const jobIds = Array.from({ length: total }, (_, index) => firstJobId + index);
    const podName = (jobId: number) => `${runnerClass.name}-${jobId}`;

    const stopProgress = reportProgress(
      () => `e2e: ${running.size}/${total} runner pods Running, ${gone.size} removed after completion`,
    );
    const queuedAt = await sendAtRate(jobIds, options.jobsPerSecond, (jobId) =>
      // Queued just now, as GitHub would say: a queued delivered late makes the scaler ask GitHub first.
      post(local.url, {
        ...template,
        workflow_job: { ...template.workflow_job, id: jobId, created_at: new Date().toISOString() },
      }),
    );
    await until(() => jobIds.every((jobId) => running.has(podName(jobId))), 120_000);

    const completedAt = await sendAtRate(jobIds, options.jobsPerSecond, (jobId) =>
      post(local.url, {
        ...template,
        action: 'completed',
        workflow_job: { ...template.workflow_job, id: jobId, runner_name: podName(jobId) },
      }),
    );
    await until(() => jobIds.every((jobId) => gone.has(podName(jobId))), 120_000);
    stopProgress();

    const toRunning = jobIds.map(
      (jobId) => (running.get(podName(jobId)) ?? Number.NaN) - (queuedAt.get(jobId) ?? 0),
    );
    const toGone = jobIds.map(
      (jobId) => (gone.get(podName(jobId)) ?? Number.NaN) - (completedAt.get(jobId) ?? 0),
    );
    return { jobs: total, webhookToRunningMs: summarize(toRunning), completedToGoneMs: summarize(toGone) };
  } finally {
    watch.abort();
    await local.close();
  }
}

async function post(url: string, payload: unknown) {
  const delivery = await signedDelivery(payload);
  const response = await fetch(`${url}/webhook`, {
    method: 'POST',
    headers: delivery.headers as Record<string, string>,
    body: delivery.body,
  });
  if (response.status !== 202)
    throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

/** Starts one call every 1/rate seconds, not waiting for the previous; returns when each started. */
async function sendAtRate(jobIds: number[], perSecond: number, send: (jobId: number) => Promise<void>) {
  const started = new Map<number, number>();
  const calls: Promise<void>[] = [];
  const origin = performance.now();
  for (const [index, jobId] of jobIds.entries()) {
    const due = origin + (index * 1000) / perSecond;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    started.set(jobId, performance.now());
    calls.push(send(jobId));
  }
  await Promise.all(calls);
  return started;
}

async function watchPods(
  controlPlane: ControlPlaneAccess,
  className: string,
  running: Map<string, number>,
  gone: Map<string, number>,
) {
  const adminConfig = new KubeConfig();
  adminConfig.loadFromFile(controlPlane.adminKubeconfig);
  return new Watch(adminConfig).watch(
    `/api/v1/namespaces/${controlPlane.namespace}/pods`,
    { labelSelector: `eks-runner-autoscaler.io/class=${className}` },
    (type: string, pod: V1Pod) => {
      const name = pod.metadata?.name ?? '';
      if (pod.status?.phase === 'Running' && !running.has(name)) running.set(name, performance.now());
      if (type === 'DELETED') gone.set(name, performance.now());
    },
    (error: unknown) => {
      if (error && (error as Error).name !== 'AbortError')
        process.stderr.write(`e2e: watch ended: ${error}\n`);
    },
  );
}

async function until(condition: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('e2e: timed out waiting for the pods');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
