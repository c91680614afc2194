import { MultiAppRunnerRegistry, type RegistryApp } from '../lib/adapters/multiAppRunnerRegistry.ts';
import type { AutoscalerConfig, GitHubSettings, RunnerClass } from '../lib/config/autoscalerConfig.ts';
import type { ControlPlaneAccess } from '../test/cluster/controlPlane.ts';
import { jobMessage } from '../test/helpers/factories.ts';
import { startGitHubStandIn } from '../test/helpers/gitHubStandIn.ts';
import { standInAppRegistry } from '../test/helpers/standInAppRegistry.ts';
import { removePods } from './burst.ts';
import { reportProgress } from './progress.ts';
import { startQueueFedAutoscaler } from './queueFedAutoscaler.ts';

/** GitHub's secondary limit: 900 points a minute per endpoint, 5 per write, so 180 JIT configs a minute per App. */
const POINTS_PER_MINUTE = 900;
const POINTS_PER_WRITE = 5;
export const WRITES_PER_MINUTE = POINTS_PER_MINUTE / POINTS_PER_WRITE;

export interface AppsBurstOptions {
  /** Jobs of the full burst (a release day's). @default 1000 in bench/run.ts */
  jobs: number;
  /**
   * Scales the burst and GitHub's window together: `jobs × scale` jobs against `900 × scale` points
   * per `60 × scale` s window. The rate stays GitHub's (180 writes a minute per App and endpoint) and
   * the burst spans as many windows, in `scale` of the time; 1 is GitHub's own window.
   */
  windowScale: number;
  apps: number;
  registrationMode: GitHubSettings['registrationMode'];
}

/**
 * One burst against a stand-in that enforces GitHub's secondary limit per endpoint and App: all jobs
 * queued at once on the local mode's queue (SQS's delays kept, so a job pushed back comes again after
 * its wait), served by the real scaler through `apps` Apps (MultiAppRunnerRegistry beyond one).
 * Measures runners made per minute (a runner's pod released: registered by JIT config in `jit`
 * mode, given its registration token in `registration-token` mode), from the first job queued to the
 * last runner, as a ratio to GitHub's JIT ceiling of 180 a minute per App; and the 403/429 answers.
 */
export async function measureAppsBurst(
  controlPlane: ControlPlaneAccess,
  baseConfig: AutoscalerConfig,
  runnerClass: RunnerClass,
  options: AppsBurstOptions,
) {
  const gitHub = await startGitHubStandIn();
  const jobs = Math.round(options.jobs * options.windowScale);
  const window = {
    pointsPerWindow: Math.round(POINTS_PER_MINUTE * options.windowScale),
    windowMs: Math.round(60_000 * options.windowScale),
  };
  gitHub.limitSecondary(window);
  const apps: RegistryApp[] = [standInAppRegistry(gitHub, undefined, options.registrationMode)];
  for (let added = 1; added < options.apps; added++)
    apps.push(standInAppRegistry(gitHub, gitHub.addApp(), options.registrationMode));
  const config: AutoscalerConfig = {
    ...baseConfig,
    github: { ...baseConfig.github, apiUrl: gitHub.apiUrl, registrationMode: options.registrationMode },
    runnerClasses: [runnerClass],
  };
  const registry = apps.length === 1 ? (apps[0] as RegistryApp).registry : new MultiAppRunnerRegistry(apps);
  const local = await startQueueFedAutoscaler(controlPlane, config, registry);
  const made = () => local.metrics.total('RunnerPodsCreated');
  const ceilingPerMinute = WRITES_PER_MINUTE * options.apps;
  const started = performance.now();
  const stopProgress = reportProgress(
    () =>
      `GitHub-limited burst: ${made()}/${jobs} runners in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  try {
    const firstJobId = 900_000_000 + Math.floor(Math.random() * 1_000_000_000);
    for (let index = 0; index < jobs; index++)
      await local.queue.send(
        jobMessage({
          jobId: firstJobId + index,
          runnerClass: runnerClass.name,
          labels: runnerClass.labels,
          deliveryId: `apps-burst-${index}`,
          createdAt: new Date().toISOString(),
        }),
      );
    // Three times the ceiling's time, and two minutes, before giving up.
    const deadline = started + ((3 * jobs) / ceilingPerMinute) * 60_000 + 120_000;
    while (made() < jobs && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const minutes = (performance.now() - started) / 60_000;
    const runnersPerMinute = made() / minutes;
    const answers = gitHub.responses;
    return {
      jobs,
      bestRatio: bestRatio(jobs, window.pointsPerWindow / POINTS_PER_WRITE, options),
      runnersMade: made(),
      minutes,
      runnersPerMinute,
      ceilingPerMinute,
      ratioToCeiling: runnersPerMinute / ceilingPerMinute,
      rateLimitAnswers: answers.filter(({ status }) => status === 403 || status === 429).length,
      jitCalls: gitHub.requests.filter(({ path }) => path.endsWith('/generate-jitconfig')).length,
      registrationTokenCalls: gitHub.requests.filter(({ path }) => path.endsWith('/registration-token'))
        .length,
      window,
      deadLetters: local.queue.deadLetters.length,
    };
  } finally {
    stopProgress();
    await local.close();
    await gitHub.close();
    await removePods(controlPlane, runnerClass.name);
  }
}

/**
 * The ratio a client as fast as GitHub allows would reach: a window's writes at once, then as many
 * again each window (the stand-in's window slides), so the last runner one window after the
 * `(n − 1)`th. Infinity when GitHub does not bound the burst: it fits in one window, or needs no
 * JIT configs (`registration-token` mode asks for one token per scope and reuses it).
 */
function bestRatio(jobs: number, writesPerWindow: number, options: AppsBurstOptions): number {
  if (options.registrationMode === 'registration-token') return Number.POSITIVE_INFINITY;
  const windows = Math.ceil(jobs / (writesPerWindow * options.apps)) - 1;
  if (windows <= 0) return Number.POSITIVE_INFINITY;
  return jobs / (windows * options.windowScale) / (WRITES_PER_MINUTE * options.apps);
}
