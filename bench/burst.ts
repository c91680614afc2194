import { GitHubRunnerRegistry } from '../lib/adapters/githubRunnerRegistry.ts';
import { CoreV1Api, KubeConfig } from '../lib/adapters/kubernetesLibrary.ts';
import { KubernetesRunnerCluster } from '../lib/adapters/kubernetesRunnerCluster.ts';
import type { AutoscalerConfig, RunnerClass } from '../lib/config/autoscalerConfig.ts';
import type { JobMessage } from '../lib/jobMessage.ts';
import { createScalerHandler } from '../lib/scaler/createScalerHandler.ts';
import { MetricsRecorder } from '../lib/telemetry/MetricsRecorder.ts';
import { forEachConcurrently } from '../lib/util/forEachConcurrently.ts';
import { adminRequest, type ControlPlaneAccess } from '../test/cluster/controlPlane.ts';
import { jobMessage } from '../test/helpers/factories.ts';
import type { GitHubStandIn } from '../test/helpers/gitHubStandIn.ts';
import { lambdaContext } from '../test/helpers/lambdaContext.ts';
import { RecordingQueue } from '../test/helpers/scalerHarness.ts';
import { sqsEvent } from '../test/helpers/sqsEvents.ts';
import { reportProgress } from './progress.ts';

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

export interface BurstOptions {
  jobs: number;
  /** Scaler invocations at once, as the SQS event source's maxConcurrency. */
  concurrency: number;
  batchSize: number;
  /** Share of deliveries GitHub sends twice. */
  duplicateShare: number;
}

/**
 * One release-day burst: `jobs` queued jobs, delivered as SQS batches to the real scaler handler,
 * `concurrency` invocations at a time, each on an instance of its own (as Lambda runs them), against
 * the real control plane and the GitHub stand-in.
 */
export async function runBurst(
  controlPlane: ControlPlaneAccess,
  gitHub: GitHubStandIn,
  baseConfig: AutoscalerConfig,
  runnerClass: RunnerClass,
  options: BurstOptions,
) {
  const config: AutoscalerConfig = {
    ...baseConfig,
    github: { ...baseConfig.github, apiUrl: gitHub.apiUrl },
    runnerClasses: [runnerClass],
  };
  const queue = new RecordingQueue();
  const metrics = new MetricsRecorder();
  // One scaler per Lambda instance, each with its own clients (its own connection to the API server,
  // as each instance has) and what they keep between batches.
  const instances = Array.from({ length: options.concurrency }, () => {
    const api = scalerApi(controlPlane);
    return createScalerHandler({
      config,
      cluster: new KubernetesRunnerCluster({ namespace: controlPlane.namespace, api: async () => api }),
      registry: new GitHubRunnerRegistry({ github: config.github, privateKey: gitHub.appPrivateKey }),
      queue,
      log: silentLog,
      metrics,
    });
  });

  const firstJobId = 10_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const jobs = Array.from({ length: options.jobs }, (_, index) =>
    jobMessage({
      jobId: firstJobId + index,
      runnerClass: runnerClass.name,
      deliveryId: `burst-${index}`,
      createdAt: new Date().toISOString(),
    }),
  );
  const duplicates = jobs.filter((_, index) => index % Math.round(1 / options.duplicateShare) === 0);
  const deliveries = shuffle([
    ...jobs,
    ...duplicates.map((job) => ({ ...job, deliveryId: `${job.deliveryId}-again` })),
  ]);
  const batches = chunk(deliveries, options.batchSize);
  const registrationsBefore = jitRequests(gitHub);
  const countersBefore = await apiServerCounters(controlPlane);

  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const stopProgress = reportProgress(() => {
    const created = metrics.total('RunnerPodsCreated');
    const seconds = (performance.now() - started) / 1000;
    return `burst: ${created}/${options.jobs} runner pods created in ${seconds.toFixed(0)} s`;
  });
  let pending: JobMessage[][] = batches;
  while (pending.length > 0) {
    await forEachConcurrently(pending, options.concurrency, async (batch) => {
      // The event source hands each batch to an instance that is free.
      const handler = instances.pop();
      if (!handler) throw new Error('bench: more batches at once than scaler instances');
      await handler(
        sqsEvent(batch.map((message) => JSON.stringify(message))),
        lambdaContext(config.scaler.timeoutSeconds * 1000),
      );
      instances.push(handler);
    });
    // Deliveries that found another delivery's registration under way come back, as SQS would return them.
    pending = chunk(
      queue.sent.splice(0).map(({ message }) => message),
      options.batchSize,
    );
  }
  const allExist = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const countersAfter = await apiServerCounters(controlPlane);
  stopProgress();

  const pods = await listPods(controlPlane, runnerClass.name);
  const released = pods.filter((pod) => !(pod.spec?.schedulingGates ?? []).length);
  const runningAfter = await waitForRunning(controlPlane, runnerClass.name, options.jobs, started);
  await removePods(controlPlane, runnerClass.name);
  return {
    jobs: options.jobs,
    deliveries: deliveries.length,
    secondsUntilAllPodsExist: allExist,
    podsPerSecond: options.jobs / allExist,
    secondsUntilAllRunning: runningAfter,
    podsCreated: pods.length,
    podsReleased: released.length,
    duplicatePods:
      pods.length -
      new Set(pods.map((pod) => pod.metadata?.labels?.['eks-runner-autoscaler.io/job-id'])).size,
    extraPods: pods.length - options.jobs,
    jitConfigsRequested: jitRequests(gitHub) - registrationsBefore,
    apiWritesPerRunner: (countersAfter.writes - countersBefore.writes) / options.jobs,
    reservationConflicts: countersAfter.reservationConflicts - countersBefore.reservationConflicts,
    cpuMsPerRunner: cpuMsPerRunner(cpu, countersBefore, countersAfter, options.jobs),
    apiServerWork: apiServerWork(countersBefore, countersAfter),
    deadLetters: queue.deadLetters.length,
    deadLetterReasons: [...new Set(queue.deadLetters.map((letter) => letter.reason))].slice(0, 3),
    concurrency: options.concurrency,
    batchSize: options.batchSize,
  };
}

/** The API server's own counters, read before and after a run: its writes, conflicts and time per request kind. */
export interface ApiServerCounters {
  /** Writes to pods, Secrets and ConfigMaps (place reservations). */
  writes: number;
  /** Reservation writes refused for a stale resourceVersion. */
  reservationConflicts: number;
  /** `VERB resource` → requests and seconds the API server spent on them. */
  requests: Map<string, { count: number; seconds: number }>;
  /** The API server process's CPU time so far. */
  cpuSeconds: number;
}

/**
 * CPU milliseconds per runner, of this process (the scaler instances and the GitHub stand-in, or the
 * bare client) and of the API server: unlike runners per second, they hardly move with the load of
 * the machine's other tenants, so they show where a run's work goes.
 */
export function cpuMsPerRunner(
  ownCpu: NodeJS.CpuUsage,
  before: ApiServerCounters,
  after: ApiServerCounters,
  runners: number,
) {
  return {
    client: (ownCpu.user + ownCpu.system) / 1000 / runners,
    apiServer: ((after.cpuSeconds - before.cpuSeconds) * 1000) / runners,
  };
}

export async function apiServerCounters(controlPlane: ControlPlaneAccess): Promise<ApiServerCounters> {
  const { body } = await adminRequest(controlPlane.server, controlPlane.adminToken, 'GET', '/metrics');
  const counters: ApiServerCounters = {
    writes: 0,
    reservationConflicts: 0,
    requests: new Map(),
    cpuSeconds: 0,
  };
  const ours = (line: string) =>
    /resource="(pods|secrets|configmaps)"/.test(line) && /subresource=""/.test(line);
  for (const line of String(body).split('\n')) {
    if (line.startsWith('process_cpu_seconds_total ')) counters.cpuSeconds = Number(line.split(' ').pop());
    if (!ours(line)) continue;
    const value = Number(line.split(' ').pop());
    const kind = `${/verb="(\w+)"/.exec(line)?.[1]} ${/resource="(\w+)"/.exec(line)?.[1]}`;
    if (line.startsWith('apiserver_request_total{')) {
      if (/verb="(POST|PUT|PATCH|DELETE)"/.test(line)) counters.writes += value;
      if (/code="409"/.test(line) && /resource="configmaps"/.test(line))
        counters.reservationConflicts += value;
    }
    const entry = counters.requests.get(kind) ?? { count: 0, seconds: 0 };
    if (line.startsWith('apiserver_request_duration_seconds_count{')) entry.count += value;
    else if (line.startsWith('apiserver_request_duration_seconds_sum{')) entry.seconds += value;
    else continue;
    counters.requests.set(kind, entry);
  }
  return counters;
}

/** What the API server did between two readings: requests and mean milliseconds of each kind. */
function apiServerWork(before: ApiServerCounters, after: ApiServerCounters) {
  return [...after.requests]
    .map(([kind, { count, seconds }]) => {
      const earlier = before.requests.get(kind) ?? { count: 0, seconds: 0 };
      const requests = count - earlier.count;
      return { kind, requests, meanMs: requests ? ((seconds - earlier.seconds) * 1000) / requests : 0 };
    })
    .filter((entry) => entry.requests > 0);
}

function jitRequests(gitHub: GitHubStandIn): number {
  return gitHub.requests.filter((request) => request.path.endsWith('/generate-jitconfig')).length;
}

/** An API client of the scaler's identity, with a connection of its own. */
function scalerApi(controlPlane: ControlPlaneAccess): CoreV1Api {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.scalerKubeconfig);
  return kubeConfig.makeApiClient(CoreV1Api);
}

function adminApi(controlPlane: ControlPlaneAccess): CoreV1Api {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.adminKubeconfig);
  return kubeConfig.makeApiClient(CoreV1Api);
}

const classSelector = (className: string) => `eks-runner-autoscaler.io/class=${className}`;

async function listPods(controlPlane: ControlPlaneAccess, className: string) {
  const request = { namespace: controlPlane.namespace, labelSelector: classSelector(className) };
  return (await adminApi(controlPlane).listNamespacedPod(request)).items;
}

async function listSecrets(controlPlane: ControlPlaneAccess, className: string) {
  const request = { namespace: controlPlane.namespace, labelSelector: classSelector(className) };
  return (await adminApi(controlPlane).listNamespacedSecret(request)).items;
}

async function waitForRunning(
  controlPlane: ControlPlaneAccess,
  className: string,
  count: number,
  started: number,
) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const running = (await listPods(controlPlane, className)).filter(
      (pod) => pod.status?.phase === 'Running',
    ).length;
    if (running >= count) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return Number.NaN;
}

/** Clears the run's pods (KWOK plays the kubelet), so the next run finds the nodes empty. */
export async function removePods(controlPlane: ControlPlaneAccess, className: string) {
  await adminApi(controlPlane).deleteCollectionNamespacedPod({
    namespace: controlPlane.namespace,
    labelSelector: classSelector(className),
  });
  // The garbage collector then removes their Secrets; wait, so its writes do not count in the next run.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const [pods, secrets] = await Promise.all([
      listPods(controlPlane, className),
      listSecrets(controlPlane, className),
    ]);
    if (pods.length === 0 && secrets.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function chunk<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );
}

function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}
