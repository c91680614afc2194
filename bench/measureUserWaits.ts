import type { AutoscalerConfig, RunnerClass } from '../lib/config/autoscalerConfig.ts';
import { addFakeNode, READY_AFTER_LABEL, startControlPlane } from '../test/cluster/controlPlane.ts';
import { startGitHubStandIn } from '../test/helpers/gitHubStandIn.ts';
import { type AppsBurstOptions, measureAppsBurst } from './appsBurst.ts';
import { type Arrival, measureJobWait } from './jobWait.ts';

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

export interface UserWaitOptions {
  runs: number;
  /** Leave out to skip the job-wait scenarios. */
  wait?: {
    /** How long a runner pod takes to become Ready once scheduled (image pull, runner boot). */
    readySeconds: number;
    poolSize: number;
    steady: { jobsPerSecond: number; seconds: number };
    burstJobs: number;
  };
  /** Leave out to skip the bursts against GitHub's secondary limit. */
  apps?: Omit<AppsBurstOptions, 'apps' | 'registrationMode'> & { appCounts: number[] };
}

/** Nodes of the job-wait scenarios: only runners that select them wait for the ready-after delay. */
const WAIT_NODES = 5;
const WAIT_TAINT = 'bench-ready-after';

/**
 * The figures of what a user feels, on a control plane of their own: each job's wait for a runner
 * (steady and burst, with and without a warm pool, runners taking `readySeconds` to boot), and the
 * burst against GitHub's secondary limit with 1, 2 and 4 Apps, in `jit` and `registration-token`
 * mode. Each scenario runs `runs` times, on a class of its own each time.
 */
export async function measureUserWaits(config: AutoscalerConfig, options: UserWaitOptions) {
  const controlPlane = await startControlPlane();
  const base = config.runnerClasses[0];
  if (!base) throw new Error('no runner class in the example config');
  const runnerClass = (name: string, nodeSelector: Record<string, string> = {}): RunnerClass => ({
    ...base,
    name,
    maxRunners: 10_000,
    resources: { requests: { cpu: '10m', memory: '16Mi' } },
    pool: undefined,
    nodeSelector,
    tolerations: [{ key: WAIT_TAINT, operator: 'Exists', effect: 'NoSchedule' }],
  });
  try {
    const waits: Record<string, Awaited<ReturnType<typeof measureJobWait>>[]> = {};
    const wait = options.wait;
    if (wait) {
      const readyAfter = `${wait.readySeconds}s`;
      for (let index = 0; index < WAIT_NODES; index++)
        await addFakeNode(controlPlane.server, controlPlane.adminToken, {
          name: `ready-after-node-${index}`,
          labels: { [READY_AFTER_LABEL]: readyAfter },
          taints: [{ key: WAIT_TAINT, effect: 'NoSchedule' }],
          cpu: '64',
          memory: '256Gi',
        });
      const arrivals: Record<string, Arrival> = {
        steady: { kind: 'steady', ...wait.steady },
        burst: { kind: 'burst', jobs: wait.burstJobs },
      };
      for (let run = 1; run <= options.runs; run++)
        for (const [arrivalName, arrival] of Object.entries(arrivals))
          for (const poolSize of [0, wait.poolSize]) {
            const scenario = `${arrivalName}, ${poolSize ? `pool of ${poolSize}` : 'no pool'}`;
            progress(`job wait run ${run}/${options.runs}: ${scenario}`);
            const gitHub = await startGitHubStandIn();
            try {
              const className = `wait-${arrivalName}-${poolSize}-${run}`;
              const measured = await measureJobWait(
                controlPlane,
                gitHub,
                config,
                runnerClass(className, { [READY_AFTER_LABEL]: readyAfter }),
                { arrival, poolSize },
              );
              progress(
                `job wait run ${run}, ${scenario}: p50 ${ms(measured.p50)}, p90 ${ms(measured.p90)}, ` +
                  `p99 ${ms(measured.p99)}, ${measured.started}/${measured.jobs} started, ${measured.takenByWarm} by warm runners`,
              );
              waits[scenario] = [...(waits[scenario] ?? []), measured];
            } finally {
              await gitHub.close();
            }
          }
    }
    const bursts: Record<string, Awaited<ReturnType<typeof measureAppsBurst>>[]> = {};
    const apps = options.apps;
    for (let run = 1; apps && run <= options.runs; run++)
      for (const registrationMode of ['jit', 'registration-token'] as const)
        for (const appCount of registrationMode === 'jit' ? apps.appCounts : [1]) {
          const scenario = `${registrationMode}, ${appCount} App${appCount > 1 ? 's' : ''}`;
          progress(`GitHub-limited burst run ${run}/${options.runs}: ${scenario}`);
          const measured = await measureAppsBurst(
            controlPlane,
            config,
            runnerClass(`apps-${registrationMode}-${appCount}-${run}`),
            { ...apps, apps: appCount, registrationMode },
          );
          progress(
            `GitHub-limited burst run ${run}, ${scenario}: ${measured.runnersPerMinute.toFixed(0)} runners/min, ` +
              `ratio ${measured.ratioToCeiling.toFixed(2)} to ${measured.ceilingPerMinute}/min ` +
              `(best GitHub allows ${measured.bestRatio.toFixed(2)}), ` +
              `${measured.rateLimitAnswers} answers 403/429, ${measured.jitCalls} JIT calls`,
          );
          bursts[scenario] = [...(bursts[scenario] ?? []), measured];
        }
    return { version: controlPlane.version, waits, bursts };
  } finally {
    await controlPlane.stop();
  }
}

const ms = (value: number) => `${(value / 1000).toFixed(1)} s`;
