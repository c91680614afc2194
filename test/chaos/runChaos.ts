import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { GitHubRunnerRegistry } from '../../lib/adapters/githubRunnerRegistry.ts';
import { GitHubWebhookDeliveries } from '../../lib/adapters/githubWebhookDeliveries.ts';
import { KubernetesRunnerCluster } from '../../lib/adapters/kubernetesRunnerCluster.ts';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { LABEL } from '../../lib/pod/labels.ts';
import { startLocalAutoscaler } from '../../local/startLocalAutoscaler.ts';
import type { ControlPlaneAccess } from '../cluster/controlPlane.ts';
import { testConfig } from '../helpers/factories.ts';
import { startGitHubStandIn } from '../helpers/gitHubStandIn.ts';
import { WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';
import { ChaosLog } from './chaosLog.ts';
import { startFaultProxy } from './faultProxy.ts';
import { GitHubSimulator } from './gitHubSimulator.ts';

export interface ChaosOptions {
  jobs: number;
  /** Give up waiting for the system to settle after this long. */
  timeoutSeconds: number;
  /** Where progress lines go. @default nowhere */
  progress?: (line: string) => void;
}

export interface ChaosSummary {
  jobs: number;
  served: number;
  leaked: number;
  lost: number;
  busyDeleted: number;
  dlq: number;
  seconds: number;
  details: Record<string, unknown>;
}

/**
 * Drives jobs through the local-mode pipeline (signed webhooks → queue → scaler → kube-apiserver,
 * where KWOK runs the pods) while everything around it fails, and reports what held once the
 * reconciler settled things. Faults: Kubernetes 5xx, 429, 409, timeouts and dropped connections
 * (tests/chaos/faultProxy.ts); GitHub 5xx and 429 with retry-after; 10% of webhooks lost and 10%
 * duplicated, 2% of jobs never announced at all, cancellations out of order, runners taking other jobs than their own, and runner pods
 * OOM-killed before they take a job.
 */
export async function runChaos(
  controlPlane: ControlPlaneAccess,
  options: ChaosOptions,
): Promise<ChaosSummary> {
  const started = performance.now();
  const random = Math.random;
  const base = testConfig();
  const template = base.runnerClasses.find(({ containerMode }) => containerMode === 'none') as RunnerClass;
  const runnerClass: RunnerClass = {
    ...template,
    name: 'chaos',
    labels: ['chaos'],
    maxRunners: 5000,
    resources: { requests: { cpu: '50m', memory: '64Mi' } },
    startTimeoutSeconds: 30,
  };
  const gitHub = await startGitHubStandIn();
  const config: AutoscalerConfig = {
    ...base,
    github: { ...base.github, apiUrl: gitHub.apiUrl, allowedOrgs: [] },
    runnerClasses: [runnerClass],
    reconciler: {
      ...base.reconciler,
      maxGitHubCallsPerRun: 500,
      idleRunnerSeconds: 20,
      ghostSweepEveryMinutes: 1,
      strandedJobSweepEveryMinutes: 1,
      strandedJobMinutes: 1,
    },
  };
  const proxy = await startFaultProxy({ target: controlPlane.server, faultRate: 0.05 });
  const scalerConfig = new KubeConfig();
  scalerConfig.loadFromOptions({
    clusters: [{ name: 'proxied', server: proxy.url, skipTLSVerify: true }],
    users: [{ name: 'scaler', token: controlPlane.scalerToken }],
    contexts: [{ name: 'scaler', cluster: 'proxied', user: 'scaler' }],
    currentContext: 'scaler',
  });
  const api = scalerConfig.makeApiClient(CoreV1Api);
  const log = new ChaosLog();
  const local = await startLocalAutoscaler({
    config,
    webhookSecrets: { current: WEBHOOK_SECRET },
    cluster: new KubernetesRunnerCluster({
      namespace: controlPlane.namespace,
      api: async () => api,
      requestTimeoutMs: 1500,
    }),
    registry: new GitHubRunnerRegistry({
      github: config.github,
      privateKey: gitHub.appPrivateKey,
      requestTimeoutMs: 2000,
    }),
    deliveries: new GitHubWebhookDeliveries({ github: config.github, privateKey: gitHub.appPrivateKey }),
    log,
    port: 0,
    statusIntervalMs: 1000,
    reconcileIntervalMs: 2000,
  });
  const admin = new KubeConfig();
  admin.loadFromFile(controlPlane.adminKubeconfig);
  const simulator = new GitHubSimulator({
    webhookUrl: `${local.url}/webhook`,
    gitHub,
    admin,
    namespace: controlPlane.namespace,
    runnerClass,
    lostShare: 0.1,
    duplicateShare: 0.1,
    unsentShare: 0.02,
    podFailureShare: 0.03,
    random,
  });
  // GitHub fails too: one request in twenty on the JIT and jobs routes gets a 502, or a 429 with
  // retry-after.
  gitHub.failRandomly(/generate-jitconfig$|actions\/jobs\/\d+$/, 0.05, () =>
    random() < 0.5 ? { status: 502 } : { status: 429, headers: { 'retry-after': '1' } },
  );

  const adminApi = admin.makeApiClient(CoreV1Api);
  const ofClass = {
    namespace: controlPlane.namespace,
    labelSelector: `${LABEL.runnerClass}=${runnerClass.name}`,
  };
  const firstJobId = 700_000_000 + Math.floor(random() * 1_000_000_000);
  const jobIds = Array.from({ length: options.jobs }, (_, index) => firstJobId + index);
  let settled = false;
  try {
    const queueing = simulator.queue(jobIds, 0.05);
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    let quietChecks = 0;
    let lastProgress = 0;
    while (Date.now() < deadline) {
      await simulator.tick().catch(() => undefined);
      const pods = (await adminApi.listNamespacedPod(ofClass)).items.length;
      const depth = local.queue.depth();
      const open = simulator.jobs.filter(({ status }) => status !== 'completed').length;
      const quiet =
        simulator.jobs.length === options.jobs &&
        open === 0 &&
        pods === 0 &&
        depth.ready + depth.delayed + depth.inFlightBatches === 0;
      quietChecks = quiet ? quietChecks + 1 : 0;
      if (quietChecks >= 5) {
        settled = true;
        break;
      }
      if (Date.now() - lastProgress > 3000) {
        lastProgress = Date.now();
        const served = simulator.jobs.filter(({ ranOn }) => ranOn).length;
        options.progress?.(
          `chaos: ${Math.round((performance.now() - started) / 1000)} s, ${simulator.jobs.length}/${options.jobs} queued, ${served} served, ${open} open, ${pods} pods, queue ${depth.ready}+${depth.delayed}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await queueing;
    await simulator.drain();
  } finally {
    await local.close();
    await proxy.close();
    await gitHub.close();
  }

  const podsAtEnd = (await adminApi.listNamespacedPod(ofClass)).items;
  const leftPods = podsAtEnd.length;
  const queueAtEnd = local.queue.depth();
  const leftSecrets = (await adminApi.listNamespacedSecret(ofClass)).items.length;
  const served = simulator.jobs.filter(({ cancelled, ranOn }) => !cancelled && ranOn).length;
  const wanted = simulator.jobs.filter(({ cancelled }) => !cancelled).length;
  await adminApi.deleteCollectionNamespacedPod(ofClass).catch(() => undefined);
  return {
    jobs: options.jobs,
    served,
    leaked: leftPods + leftSecrets,
    lost: wanted - served,
    busyDeleted: simulator.counts.busyDeleted,
    dlq: local.queue.deadLetters.length,
    seconds: Math.round((performance.now() - started) / 1000),
    details: {
      settled,
      cancelled: options.jobs - wanted,
      webhooks: simulator.counts,
      kubernetesFaults: proxy.counts,
      gitHubCallsPerJob: Number((gitHub.requests.length / options.jobs).toFixed(2)),
      deadLetters: local.queue.deadLetters.map(({ reason }) => reason).slice(0, 5),
      errors: log.errors.slice(0, 5),
      warnings: Object.fromEntries(log.warnings),
      unserved: simulator.jobs
        .filter(({ cancelled, ranOn }) => !cancelled && !ranOn)
        .slice(0, 5)
        .map(({ id, status }) => ({ id, status, ...log.story(id, `${runnerClass.name}-${id}`) })),
      podsAtEnd: podsAtEnd
        .slice(0, 5)
        .map((pod) => [pod.metadata?.name, pod.status?.phase, pod.spec?.schedulingGates?.length ?? 0]),
      queueAtEnd,
    },
  };
}

/** The one line the chaos run ends with. */
export function summaryLine(summary: ChaosSummary): string {
  const { jobs, served, leaked, lost, busyDeleted, dlq, seconds } = summary;
  return `chaos: jobs=${jobs} served=${served} leaked=${leaked} lost=${lost} busyDeleted=${busyDeleted} dlq=${dlq} seconds=${seconds}`;
}

export function invariantsHold(summary: ChaosSummary): boolean {
  return summary.leaked === 0 && summary.lost === 0 && summary.busyDeleted === 0 && summary.dlq === 0;
}
