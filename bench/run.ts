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
import { localAwsEnvironment, startSecretsManagerStandIn } from '../test/helpers/localAws.ts';
import { WEBHOOK_SECRET } from '../test/helpers/webhookRequests.ts';
import { burstFigures, burstRows } from './burstFigures.ts';
import { measureModuleInit } from './measureModuleInit.ts';
import { measureOnControlPlane } from './measureOnControlPlane.ts';
import { measureUserWaits, type UserWaitOptions } from './measureUserWaits.ts';
import { measureDeployedWebhook, measureOwnWork, measureSqsRoundTrip } from './measureWebhook.ts';
import { figure, printRows, round, withSpread } from './statistics.ts';
import { synthBundles } from './synthBundles.ts';
import { userWaitFigures, userWaitRows } from './userWaitFigures.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 2000);
const INIT_SAMPLES = Number(process.env.BENCH_INIT_SAMPLES ?? 10);
const BURST_RUNS = Number(process.env.BENCH_BURST_RUNS ?? 3);
const BURST_JOBS = Number(process.env.BENCH_BURST_JOBS ?? 1000);
const E2E_RATE = Number(process.env.BENCH_E2E_RATE ?? 20);
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 30);
/** `burst`: only the burst and its ceiling, the rest skipped (for working on the burst). */
const ONLY_BURST = process.env.BENCH_ONLY === 'burst';
/** `wait` or `apps`: only the job-wait scenarios, or only the GitHub-limited bursts. */
const ONLY_USER = ['wait', 'apps'].includes(process.env.BENCH_ONLY ?? '')
  ? process.env.BENCH_ONLY
  : undefined;
const USER_WAIT: UserWaitOptions = {
  runs: Number(process.env.BENCH_USER_RUNS ?? BURST_RUNS),
  wait: {
    readySeconds: Number(process.env.BENCH_READY_SECONDS ?? 20),
    poolSize: Number(process.env.BENCH_WAIT_POOL ?? 10),
    steady: {
      jobsPerSecond: Number(process.env.BENCH_WAIT_RATE ?? 1),
      seconds: Number(process.env.BENCH_WAIT_SECONDS ?? 30),
    },
    burstJobs: Number(process.env.BENCH_WAIT_BURST ?? 50),
  },
  apps: {
    jobs: Number(process.env.BENCH_APPS_JOBS ?? 1000),
    windowScale: Number(process.env.BENCH_APPS_WINDOW_SCALE ?? 0.25),
    appCounts: (process.env.BENCH_APPS ?? '1,2,4').split(',').map(Number),
  },
};
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
if (ONLY_USER) {
  const options = { ...USER_WAIT, ...(ONLY_USER === 'wait' ? { apps: undefined } : { wait: undefined }) };
  progress(`${ONLY_USER} only: ${options.runs} runs of each scenario`);
  const figures = userWaitFigures(await measureUserWaits(config, options), options);
  printRows(`what users feel, ${options.runs} runs, median (min–max over runs)`, userWaitRows(figures));
  console.log(`\n${figures.jobWait?.note ?? figures.gitHubLimitedBurst?.note}`);
  console.log(`\nnot written to bench/results.json (BENCH_ONLY=${ONLY_USER})`);
  process.exit(0);
}
if (ONLY_BURST) {
  progress(`burst only: ${BURST_RUNS} runs, each with its ceiling`);
  const burst = await measureOnControlPlane(config, { burstRuns: BURST_RUNS, burstJobs: BURST_JOBS });
  printRows(
    `burst benchmark, ${BURST_RUNS} runs, median (min–max over runs)`,
    burstRows(burstFigures(burst)),
  );
  console.log('\nnot written to bench/results.json (BENCH_ONLY=burst)');
  process.exit(0);
}
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
  const burst = await measureOnControlPlane(config, {
    burstRuns: BURST_RUNS,
    burstJobs: BURST_JOBS,
    e2e: { jobsPerSecond: E2E_RATE, seconds: E2E_SECONDS },
    runnerRootCopies: RUNS,
  });

  progress(
    `job wait and GitHub-limited bursts: ${USER_WAIT.runs} runs each, on a control plane of their own`,
  );
  const userWaits = userWaitFigures(await measureUserWaits(config, USER_WAIT), USER_WAIT);

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
    burst: burstFigures(burst),
    whatUsersFeel: userWaits,
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
    ...burstRows(results.burst),
    ...userWaitRows(results.whatUsersFeel),
    [
      'e2e: webhook -> Running p50 / p99',
      `${results.e2e.webhookToRunningMs.p50.median} / ${results.e2e.webhookToRunningMs.p99.median} ms`,
      '',
    ],
    ['e2e: completed -> pod gone p50', `${results.e2e.completedToGoneMs.p50.median} ms`, ''],
    [
      'runner root copy, real node',
      `${withSpread(results.runnerRoot.copySeconds, ' s')}, ${results.runnerRoot.bytesPerPod.median} B, ${results.runnerRoot.filesPerPod.median} files`,
      '',
    ],
    [
      'bare SQS send p50',
      `${results.webhook.sqsSendRoundTripMs.p50.median} ms (${results.webhook.sqsSendRoundTripMs.p50.min}–${results.webhook.sqsSendRoundTripMs.p50.max})`,
      '',
    ],
  ];
  printRows(`webhook benchmark, ${RUNS} runs × ${DELIVERIES} deliveries, median (min–max over runs)`, rows);
  console.log('\nwritten to bench/results.json');
} finally {
  sqs.stop();
  await secretsManager.stop();
}
