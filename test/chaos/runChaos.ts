import { GitHubRunnerRegistry } from '../../lib/adapters/githubRunnerRegistry.ts';
import { GitHubWebhookDeliveries } from '../../lib/adapters/githubWebhookDeliveries.ts';
import { CoreV1Api, KubeConfig } from '../../lib/adapters/kubernetesLibrary.ts';
import { KubernetesRunnerCluster } from '../../lib/adapters/kubernetesRunnerCluster.ts';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { LABEL } from '../../lib/pod/labels.ts';
import { startLocalAutoscaler } from '../../local/startLocalAutoscaler.ts';
import type { ControlPlaneAccess } from '../cluster/controlPlane.ts';
import { testConfig } from '../helpers/factories.ts';
import { startGitHubStandIn } from '../helpers/gitHubStandIn.ts';
import { WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';
import { ChaosLog } from './chaosLog.ts';
import { awaitingRerun, type ChaosSummary, jobOutcome, rerunsOn } from './chaosSummary.ts';
import { startFaultProxy } from './faultProxy.ts';
import { GitHubSimulator } from './gitHubSimulator.ts';
import { RERUN_ROUTES } from './standInJobs.ts';

export { type ChaosSummary, invariantsHold, summaryLine } from './chaosSummary.ts';

export interface ChaosOptions {
  jobs: number;
  /** Give up waiting for the system to settle after this long. */
  timeoutSeconds: number;
  /** Where progress lines go. @default nowhere */
  progress?: (line: string) => void;
  /**
   * Warm runners the main class keeps for the run's first two minutes, then none (a schedule), so
   * that the run settles with no pod left. @default 0, no pool
   */
  warmPool?: number;
}

/**
 * Drives jobs through the local-mode pipeline (signed webhooks → queue → scaler → kube-apiserver,
 * where KWOK runs the pods) while everything around it fails, and reports what held once the
 * reconciler settled things. Faults: Kubernetes 5xx, 429, 409, timeouts and dropped connections
 * (tests/chaos/faultProxy.ts); GitHub 5xx and 429 with retry-after; 10% of webhooks lost and 10%
 * duplicated, 2% accepted but logged as failed (so redelivered), 2% of jobs never announced at all;
 * deliveries again across pod lifetimes and out of order; cancellations out of order, runners taking
 * other jobs than their own, runner pods OOM-killed before they take a job, runners killed mid-job by
 * the infrastructure, and consolidation evicting unprotected runners.
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
    ...(options.warmPool && { pool: warmPoolForTwoMinutes(options.warmPool) }),
  };
  // The held jobs' class: its runners take no job of the other class, nor the other's theirs.
  const heldClass: RunnerClass = {
    ...runnerClass,
    name: 'chaos-held',
    labels: ['chaos-held'],
    pool: undefined,
  };
  const gitHub = await startGitHubStandIn();
  const config: AutoscalerConfig = {
    ...base,
    github: { ...base.github, apiUrl: gitHub.apiUrl, allowedOrgs: [] },
    runnerClasses: [runnerClass, heldClass],
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
    heldClass,
    lostShare: 0.1,
    duplicateShare: 0.1,
    timedOutShare: 0.02,
    unsentShare: 0.02,
    podFailureShare: 0.03,
    killShare: 0.02,
    longJobShare: 0.05,
    heldShare: 0.05,
    reorderShare: 0.03,
    queuedAgainShare: 0.04,
    completedAgainShare: 0.03,
    inProgressAgainShare: 0.03,
    afterReuseShare: 0.5,
    consolidateEveryMs: 3000,
    random,
    at: () => log.at(),
  });
  // GitHub fails too: one request in twenty on the JIT, jobs, runs and re-run routes gets a 502, or
  // a 429 with retry-after.
  const failing = new RegExp(`generate-jitconfig$|actions\\/jobs\\/\\d+$|${RERUN_ROUTES.source}`);
  gitHub.failRandomly(failing, 0.05, () =>
    random() < 0.5 ? { status: 502 } : { status: 429, headers: { 'retry-after': '1' } },
  );

  const adminApi = admin.makeApiClient(CoreV1Api);
  const ofClass = {
    namespace: controlPlane.namespace,
    labelSelector: `${LABEL.runnerClass} in (${runnerClass.name},${heldClass.name})`,
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
        simulator.originals.length === options.jobs &&
        open === 0 &&
        !simulator.busy &&
        awaitingRerun(simulator) === 0 &&
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
          `chaos: ${Math.round((performance.now() - started) / 1000)} s, ${simulator.originals.length}/${options.jobs} queued, ${served} served, ${open} open, ${pods} pods, queue ${depth.ready}+${depth.delayed}, ${simulator.late.pending} late deliveries to come`,
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
  const outcomes = simulator.originals.map((job) => ({ job, outcome: jobOutcome(job, simulator) }));
  const count = (outcome: string) => outcomes.filter((each) => each.outcome === outcome).length;
  const { disruptions } = simulator;
  await adminApi.deleteCollectionNamespacedPod(ofClass).catch(() => undefined);
  return {
    jobs: options.jobs,
    served: count('served'),
    leaked: leftPods + leftSecrets,
    lost: count('lost'),
    busyDeleted: simulator.counts.busyDeleted,
    disruptedBusy: disruptions.counts.disruptedBusy,
    dlq: local.queue.deadLetters.length,
    seconds: Math.round((performance.now() - started) / 1000),
    killed: disruptions.counts.killed,
    reruns: simulator.counts.reruns,
    evicted: disruptions.counts.evicted,
    details: {
      settled,
      // Warm runners are named <class>-w<n>, or -w<job id> for a top-up.
      servedByWarmRunners: simulator.jobs.filter(({ ranOn }) => ranOn?.startsWith(`${runnerClass.name}-w`))
        .length,
      cancelled: count('cancelled'),
      killedNotRerun: count('killed'),
      rerunsOn: rerunsOn(simulator),
      webhooks: simulator.deliveries.counts,
      lateDeliveries: simulator.late.counts,
      disruptions: disruptions.counts,
      simulator: simulator.counts,
      kubernetesFaults: proxy.counts,
      gitHubCallsPerJob: Number((gitHub.requests.length / options.jobs).toFixed(2)),
      gitHubCallsByRoute: callsByRoute(gitHub.requests),
      deadLetters: local.queue.deadLetters.map(({ reason }) => reason).slice(0, 5),
      errors: log.errors.slice(0, 5),
      warnings: Object.fromEntries(log.warnings),
      unserved: outcomes
        .filter(({ outcome }) => outcome === 'lost')
        .slice(0, 5)
        .map(({ job }) => ({
          id: job.id,
          status: job.status,
          killed: job.killed,
          rerunAs: job.rerunAs,
          trail: job.trail,
          ...log.story(job.id, `${job.runnerClass}-${job.id}`, job.ranOn),
        })),
      unkilledReruns: simulator.unkilledReruns.slice(0, 5).map((job) => ({
        id: job.id,
        conclusion: job.conclusion,
        cancelled: job.cancelled,
        trail: job.trail,
        ...log.story(job.id, `${job.runnerClass}-${job.id}`, job.ranOn),
      })),
      busyDeleted: simulator.jobs
        .filter(({ deletedWhileBusy }) => deletedWhileBusy)
        .slice(0, 5)
        .map((job) => ({
          id: job.id,
          ranOn: job.ranOn,
          killed: job.killed,
          trail: job.trail,
          ...log.story(job.id, job.ranOn ?? ''),
        })),
      podsAtEnd: podsAtEnd
        .slice(0, 5)
        .map((pod) => [
          pod.metadata?.name,
          pod.status?.phase,
          pod.spec?.schedulingGates?.length ?? 0,
          log.story(0, pod.metadata?.name).podEvents,
        ]),
      queueAtEnd,
      podsMadeAfterTheirJobCompleted: simulator.spares.made,
      ofWhichNoJobTook: simulator.spares.untaken(simulator.jobs),
      spareExamples: simulator.spares.examples,
    },
  };
}

/** A pool of `size` from a minute ago (a daily schedule that fired then) until one 2 minutes on sets 0. */
function warmPoolForTwoMinutes(size: number): NonNullable<RunnerClass['pool']> {
  const daily = (offsetMinutes: number) => {
    const at = new Date(Date.now() + offsetMinutes * 60_000);
    return `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
  };
  return {
    size: 0,
    timezone: 'UTC',
    scope: 'acme',
    schedules: [
      { cron: daily(-1), size },
      { cron: daily(2), size: 0 },
    ],
  };
}

/** The GitHub stand-in's requests by route, IDs and queries left out: the eight most called. */
function callsByRoute(requests: readonly { method: string; path: string }[]): Record<string, number> {
  const counts = Map.groupBy(
    requests,
    ({ method, path }) => `${method} ${path.split('?')[0]?.replace(/\d+/g, '{n}')}`,
  );
  return Object.fromEntries(
    [...counts]
      .map(([route, calls]) => [route, calls.length] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8),
  );
}
