/**
 * `npm run bench`: the figures behind the performance targets, written to bench/results.json.
 * Each figure is measured in several runs and reported with its min–max spread, because this is a
 * shared, noisy machine; tests never assert on time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfigFile } from '../lib/config/loadConfig.ts';
import { ENV } from '../lib/environment.ts';
import { addFakeNode, startControlPlane } from '../test/cluster/controlPlane.ts';
import { startGitHubStandIn } from '../test/helpers/gitHubStandIn.ts';
import { localAwsEnvironment, startSecretsManagerStandIn } from '../test/helpers/localAws.ts';
import { WEBHOOK_SECRET } from '../test/helpers/webhookRequests.ts';
import { runBurst } from './burst.ts';
import { runEndToEnd } from './e2e.ts';
import { measureModuleInit } from './measureModuleInit.ts';
import { measureDeployedWebhook, measureOwnWork, measureSqsRoundTrip } from './measureWebhook.ts';
import { measureRunnerRootCopy } from './runnerRoot.ts';
import { round, spread } from './statistics.ts';
import { synthBundles } from './synthBundles.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2000);
const INIT_SAMPLES = Number(process.env.BENCH_INIT_SAMPLES ?? 10);
const BURST_RUNS = Number(process.env.BENCH_BURST_RUNS ?? 3);
const BURST_JOBS = Number(process.env.BENCH_BURST_JOBS ?? 1000);
const E2E_RATE = Number(process.env.BENCH_E2E_RATE ?? 20);
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 30);
const CONFIG_FILE = 'autoscaler.config.example.json';

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function startSqsPeer() {
  const child = spawn('node_modules/.bin/node', ['bench/sqsPeer.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve),
  );
  return {
    ...(JSON.parse(line) as { endpoint: string; jobQueueUrl: string }),
    stop: () => child.kill('SIGTERM'),
  };
}

/** Runs `work` with stdout swallowed: Lambda sends logs to a pipe, not to a terminal. */
async function withQuietStdout<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

const config = loadConfigFile(CONFIG_FILE);
progress('synthesizing the stack to get the deployed bundles');
const bundles = synthBundles(mkdtempSync(join(tmpdir(), 'bench-cdk-')));
const bundle = (name: string) => bundles.find((candidate) => candidate.name === name)?.path ?? '';

const sqs = await startSqsPeer();
const secretsManager = await startSecretsManagerStandIn({ 'webhook-secret': WEBHOOK_SECRET });
const environment = {
  ...localAwsEnvironment({ sqs: sqs.endpoint, secretsManager: secretsManager.endpoint }),
  [ENV.config]: JSON.stringify(config),
  [ENV.jobQueueUrl]: sqs.jobQueueUrl,
  [ENV.deadLetterQueueUrl]: sqs.jobQueueUrl,
  [ENV.webhookSecretArn]: 'webhook-secret',
  [ENV.privateKeySecretArn]: 'private-key',
  // The cluster-prerequisites function names its cluster in its environment; the others read the config.
  [ENV.clusterName]: config.cluster.name ?? '',
};
Object.assign(process.env, environment);

try {
  progress(`module init, ${INIT_SAMPLES} fresh processes per function`);
  const moduleInit = Object.fromEntries(
    bundles.map((candidate) => [
      candidate.name,
      measureModuleInit(candidate.path, environment, INIT_SAMPLES),
    ]),
  );

  const ownWork = [];
  const deployed = [];
  const sqsRoundTrip = [];
  for (let run = 1; run <= RUNS; run++) {
    progress(`run ${run}/${RUNS}: ${DELIVERIES} deliveries each`);
    ownWork.push(await measureOwnWork(config, DELIVERIES));
    deployed.push(await withQuietStdout(() => measureDeployedWebhook(bundle('webhook'), DELIVERIES)));
    sqsRoundTrip.push(await measureSqsRoundTrip(sqs.jobQueueUrl, 500));
  }

  progress(`burst and e2e: ${BURST_RUNS} runs each on the real control plane`);
  const burst = await measureOnControlPlane();

  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const figure = (values: number[], digits = 1) => {
    const { min, max } = spread(values);
    return { median: round(median(values), digits), min: round(min, digits), max: round(max, digits) };
  };
  const initOf = (name: string) => {
    const init = moduleInit[name];
    return init ? { p50: round(init.p50), mean: round(init.mean), p99: round(init.p99) } : undefined;
  };
  const bytesOf = (name: string) => bundles.find((candidate) => candidate.name === name)?.bytes ?? 0;
  const results = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version },
    runs: RUNS,
    deliveriesPerRun: DELIVERIES,
    bundleBytes: { webhook: bytesOf('webhook'), scaler: bytesOf('scaler') },
    moduleInitMs: { webhook: initOf('webhook'), scaler: initOf('scaler') },
    webhook: {
      ownWorkMicros: {
        p50: figure(ownWork.map((r) => r.p50)),
        p99: figure(ownWork.map((r) => r.p99)),
        mean: figure(ownWork.map((r) => r.mean)),
      },
      endToEnd: {
        deliveriesPerSecond: figure(
          deployed.map((r) => r.perSecond),
          0,
        ),
        p50Ms: figure(
          deployed.map((r) => r.p50),
          2,
        ),
        p99Ms: figure(
          deployed.map((r) => r.p99),
          2,
        ),
      },
      sqsSendRoundTripMs: {
        p50: figure(
          sqsRoundTrip.map((r) => r.p50),
          2,
        ),
        p99: figure(
          sqsRoundTrip.map((r) => r.p99),
          2,
        ),
      },
    },
    burst: {
      apiServerVersion: burst.version,
      jobsPerRun: BURST_JOBS,
      scalerConcurrency: 10,
      batchSize: 10,
      duplicateDeliveries: '5%',
      secondsUntilAllPodsExist: figure(
        burst.runs.map((r) => r.secondsUntilAllPodsExist),
        2,
      ),
      podsPerSecond: figure(burst.runs.map((r) => r.podsPerSecond)),
      secondsUntilAllRunning: figure(
        burst.runs.map((r) => r.secondsUntilAllRunning),
        2,
      ),
      apiWritesPerRunner: figure(
        burst.runs.map((r) => r.apiWritesPerRunner),
        2,
      ),
      jitConfigsPerJob: figure(
        burst.runs.map((r) => r.jitConfigsRequested / r.jobs),
        2,
      ),
      duplicatePods: Math.max(...burst.runs.map((r) => r.duplicatePods + r.extraPods)),
      note: 'etcd, kube-apiserver, kube-scheduler, kube-controller-manager, KWOK and the scaler share this machine',
    },
    e2e: {
      apiServerVersion: burst.version,
      jobsPerSecond: E2E_RATE,
      secondsPerRun: E2E_SECONDS,
      path: 'signed webhook -> local mode HTTP -> in-process queue -> scaler -> kube-apiserver -> scheduler -> KWOK Running',
      webhookToRunningMs: {
        p50: figure(
          burst.e2eRuns.map((r) => r.webhookToRunningMs.p50),
          0,
        ),
        p99: figure(
          burst.e2eRuns.map((r) => r.webhookToRunningMs.p99),
          0,
        ),
      },
      completedToGoneMs: {
        p50: figure(
          burst.e2eRuns.map((r) => r.completedToGoneMs.p50),
          0,
        ),
      },
    },
    runnerRoot: {
      note: 'prepare-runner-root of a dood pod on the real node (test/cluster/realNode.ts), stand-in runner image',
      copySeconds: figure(
        burst.runnerRootCopies.map((r) => r.seconds),
        2,
      ),
      bytesPerPod: figure(
        burst.runnerRootCopies.map((r) => r.bytes),
        0,
      ),
      filesPerPod: figure(
        burst.runnerRootCopies.map((r) => r.files),
        0,
      ),
    },
    targets: { ownWorkMicros: 150, p99Ms: 2, moduleInitMs: 60, deliveriesPerSecondVsBestPeer: 1.3 },
    peersFromIssue2: {
      note: 'measured by the issue author on this kind of machine; not re-run here',
      terraformAwsGithubRunner: {
        deliveriesPerSecond: '510-580',
        p50Ms: '1.4-1.7',
        p99Ms: 8.5,
        moduleInitMs: '120-190',
      },
      cdkGithubRunners: {
        deliveriesPerSecond: '330-440',
        p50Ms: '1.9-2.9',
        p99Ms: '6-11',
        moduleInitMs: '110-175',
      },
    },
  };
  writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);

  const rows = [
    ['bundle, webhook', `${round(results.bundleBytes.webhook / 1024)} KiB`, ''],
    ['bundle, scaler', `${round(results.bundleBytes.scaler / 1024)} KiB`, ''],
    [
      'module init, webhook (p50 / p99)',
      `${results.moduleInitMs.webhook?.p50} / ${results.moduleInitMs.webhook?.p99} ms`,
      '≤ 60 ms',
    ],
    [
      'module init, scaler (p50 / p99)',
      `${results.moduleInitMs.scaler?.p50} / ${results.moduleInitMs.scaler?.p99} ms`,
      '',
    ],
    [
      'own work per delivery, p50',
      `${results.webhook.ownWorkMicros.p50.median} µs (${results.webhook.ownWorkMicros.p50.min}–${results.webhook.ownWorkMicros.p50.max})`,
      '≤ 150 µs',
    ],
    [
      'own work per delivery, p99',
      `${results.webhook.ownWorkMicros.p99.median} µs (${results.webhook.ownWorkMicros.p99.min}–${results.webhook.ownWorkMicros.p99.max})`,
      '',
    ],
    [
      'deliveries/s, with SQS send',
      `${results.webhook.endToEnd.deliveriesPerSecond.median} (${results.webhook.endToEnd.deliveriesPerSecond.min}–${results.webhook.endToEnd.deliveriesPerSecond.max})`,
      '≥ 1.3 × 580 = 754',
    ],
    [
      'delivery p50, with SQS send',
      `${results.webhook.endToEnd.p50Ms.median} ms (${results.webhook.endToEnd.p50Ms.min}–${results.webhook.endToEnd.p50Ms.max})`,
      '',
    ],
    [
      'delivery p99, with SQS send',
      `${results.webhook.endToEnd.p99Ms.median} ms (${results.webhook.endToEnd.p99Ms.min}–${results.webhook.endToEnd.p99Ms.max})`,
      '≤ 2 ms',
    ],
    [
      'burst: pods/s, 1000 jobs',
      `${results.burst.podsPerSecond.median} (${results.burst.podsPerSecond.min}–${results.burst.podsPerSecond.max})`,
      '≥ 30 (10 × ARC)',
    ],
    [
      'burst: s until all pods exist',
      `${results.burst.secondsUntilAllPodsExist.median} (${results.burst.secondsUntilAllPodsExist.min}–${results.burst.secondsUntilAllPodsExist.max})`,
      '',
    ],
    ['burst: API writes per runner', `${results.burst.apiWritesPerRunner.median}`, ''],
    ['burst: duplicate pods', `${results.burst.duplicatePods}`, '0'],
    [
      'e2e: webhook -> Running p50 / p99',
      `${results.e2e.webhookToRunningMs.p50.median} / ${results.e2e.webhookToRunningMs.p99.median} ms`,
      '',
    ],
    ['e2e: completed -> pod gone p50', `${results.e2e.completedToGoneMs.p50.median} ms`, ''],
    [
      'runner root copy, real node',
      `${results.runnerRoot.copySeconds.median} s (${results.runnerRoot.copySeconds.min}–${results.runnerRoot.copySeconds.max}), ${results.runnerRoot.bytesPerPod.median} B, ${results.runnerRoot.filesPerPod.median} files`,
      '',
    ],
    [
      'bare SQS send p50',
      `${results.webhook.sqsSendRoundTripMs.p50.median} ms (${results.webhook.sqsSendRoundTripMs.p50.min}–${results.webhook.sqsSendRoundTripMs.p50.max})`,
      '',
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label?.length ?? 0));
  console.log(`\nwebhook benchmark, ${RUNS} runs × ${DELIVERIES} deliveries, median (min–max over runs)\n`);
  for (const [label, value, target] of rows)
    console.log(`${label?.padEnd(width)}  ${value?.padEnd(30)}  ${target}`);
  console.log('\nwritten to bench/results.json');
} finally {
  sqs.stop();
  await secretsManager.stop();
}

/** The burst and the end-to-end run, several times each, on one control plane; each run has a class of its own. */
async function measureOnControlPlane() {
  const controlPlane = await startControlPlane();
  const gitHub = await startGitHubStandIn();
  try {
    // Each runner pod asks for 100m (its runner-root init container): 1000 need more than the test's ten nodes.
    for (let index = 0; index < 10; index++) {
      await addFakeNode(controlPlane.server, controlPlane.adminToken, {
        name: `bench-node-${index}`,
        labels: {},
        taints: [],
        cpu: '8',
        memory: '32Gi',
      });
    }
    const runs = [];
    const e2eRuns = [];
    const base = config.runnerClasses[0];
    if (!base) throw new Error('no runner class in the example config');
    const runnerClass = (name: string) => ({
      ...base,
      name,
      maxRunners: 10_000,
      resources: { requests: { cpu: '10m', memory: '16Mi' } },
      // Every fake node, the tainted docker pool too.
      tolerations: [{ key: 'github-runners', operator: 'Exists' as const, effect: 'NoSchedule' as const }],
    });
    for (let run = 1; run <= BURST_RUNS; run++) {
      progress(`burst run ${run}/${BURST_RUNS}: ${BURST_JOBS} jobs`);
      runs.push(
        await runBurst(controlPlane, gitHub, config, runnerClass(`burst-${run}`), {
          jobs: BURST_JOBS,
          concurrency: 10,
          batchSize: 10,
          duplicateShare: 0.05,
        }),
      );
    }
    for (let run = 1; run <= BURST_RUNS; run++) {
      progress(`e2e run ${run}/${BURST_RUNS}: ${E2E_RATE} jobs/s for ${E2E_SECONDS} s`);
      e2eRuns.push(
        await runEndToEnd(controlPlane, gitHub, config, runnerClass(`e2e-${run}`), {
          jobsPerSecond: E2E_RATE,
          seconds: E2E_SECONDS,
        }),
      );
    }
    progress(`runner root copy: ${RUNS} dood runner pods on the real node`);
    const runnerRootCopies = await measureRunnerRootCopy(controlPlane, RUNS);
    return { version: controlPlane.version, runs, e2eRuns, runnerRootCopies };
  } finally {
    await gitHub.close();
    await controlPlane.stop();
  }
}
