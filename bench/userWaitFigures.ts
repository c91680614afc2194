import { WRITES_PER_MINUTE } from './appsBurst.ts';
import type { measureUserWaits, UserWaitOptions } from './measureUserWaits.ts';
import { figure, withSpread } from './statistics.ts';

type UserWaitRuns = Awaited<ReturnType<typeof measureUserWaits>>;

/** The job-wait and GitHub-limited burst figures over their runs, for bench/results.json. */
export function userWaitFigures({ version, waits, bursts }: UserWaitRuns, options: UserWaitOptions) {
  const seconds = (values: number[]) => figure(values.map((value) => value / 1000));
  const scale = options.apps?.windowScale ?? 1;
  return {
    apiServerVersion: version,
    runs: options.runs,
    jobWait: options.wait && {
      note:
        `queued -> a runner takes it (bench/gitHubAssignment.ts: the first idle Ready runner of the labels), in seconds; ` +
        `runner pods become Ready ${options.wait.readySeconds} s after being scheduled (KWOK ready-after); ` +
        `steady = ${options.wait.steady.jobsPerSecond} job/s for ${options.wait.steady.seconds} s, burst = ${options.wait.burstJobs} at once`,
      ...Object.fromEntries(
        Object.entries(waits).map(([scenario, runs]) => [
          scenario,
          {
            jobs: runs[0]?.jobs,
            p50Seconds: seconds(runs.map((r) => r.p50)),
            p90Seconds: seconds(runs.map((r) => r.p90)),
            p99Seconds: seconds(runs.map((r) => r.p99)),
            startedWithinASecond: figure(
              runs.map((r) => r.atOnce),
              2,
            ),
            takenByWarmRunners: figure(
              runs.map((r) => r.takenByWarm),
              0,
            ),
            notStarted: Math.max(...runs.map((r) => r.jobs - r.started)),
          },
        ]),
      ),
    },
    gitHubLimitedBurst: options.apps && {
      note:
        `${options.apps.jobs} jobs × ${scale} = ${Math.round(options.apps.jobs * scale)} jobs at once against ` +
        `${Math.round(900 * scale)} points per ${60 * scale} s window per endpoint and App (5 per write): GitHub's rate of ` +
        `${WRITES_PER_MINUTE} JIT configs a minute per App, over as many windows as ${options.apps.jobs} jobs at GitHub's own; ` +
        `ratio = runners made per minute / (${WRITES_PER_MINUTE} × Apps); the best ratio is above 1 because the ` +
        'first window is spent at once (none: GitHub does not bound the burst, which fits in one window or needs no JIT configs)',
      ...Object.fromEntries(
        Object.entries(bursts).map(([scenario, runs]) => [
          scenario,
          {
            jobs: runs[0]?.jobs,
            runnersPerMinute: figure(
              runs.map((r) => r.runnersPerMinute),
              0,
            ),
            ceilingPerMinute: runs[0]?.ceilingPerMinute,
            ratioToCeiling: figure(
              runs.map((r) => r.ratioToCeiling),
              2,
            ),
            bestRatioGitHubAllows: Number.isFinite(runs[0]?.bestRatio)
              ? Number(runs[0]?.bestRatio.toFixed(2))
              : 'none: GitHub does not bound this burst',
            rateLimitAnswers: figure(
              runs.map((r) => r.rateLimitAnswers),
              0,
            ),
            jitCalls: figure(
              runs.map((r) => r.jitCalls),
              0,
            ),
            registrationTokenCalls: figure(
              runs.map((r) => r.registrationTokenCalls),
              0,
            ),
            runnersMissing: Math.max(...runs.map((r) => r.jobs - r.runnersMade)),
            deadLetters: Math.max(...runs.map((r) => r.deadLetters)),
          },
        ]),
      ),
    },
  };
}

type Figure = { median: number; min: number; max: number };
type UserWaitFigures = ReturnType<typeof userWaitFigures>;

/** The table rows of those figures: label, median (min–max), and what it is read against. */
export function userWaitRows(figures: UserWaitFigures): string[][] {
  const rows: string[][] = [];
  const { jobWait, gitHubLimitedBurst } = figures;
  for (const [scenario, value] of Object.entries(jobWait ?? {})) {
    if (typeof value !== 'object') continue;
    const wait = value as {
      p50Seconds: Figure;
      p90Seconds: Figure;
      p99Seconds: Figure;
      startedWithinASecond: Figure;
      notStarted: number;
    };
    rows.push([
      `job wait, ${scenario} (p50 / p90 / p99)`,
      `${withSpread(wait.p50Seconds, ' s')} / ${withSpread(wait.p90Seconds, ' s')} / ${withSpread(wait.p99Seconds, ' s')}`,
      `share started within 1 s: ${withSpread(wait.startedWithinASecond)}` +
        (wait.notStarted ? `; ${wait.notStarted} jobs never started` : ''),
    ]);
  }
  for (const [scenario, value] of Object.entries(gitHubLimitedBurst ?? {})) {
    if (typeof value !== 'object') continue;
    const burst = value as {
      runnersPerMinute: Figure;
      ceilingPerMinute: number;
      ratioToCeiling: Figure;
      bestRatioGitHubAllows: number | string;
      rateLimitAnswers: Figure;
      runnersMissing: number;
    };
    rows.push([
      `GitHub-limited burst, ${scenario}: runners/min, ratio`,
      `${withSpread(burst.runnersPerMinute)}, ${withSpread(burst.ratioToCeiling)}`,
      `ceiling ${burst.ceilingPerMinute}/min (best ratio GitHub allows ${burst.bestRatioGitHubAllows}); ` +
        `403/429: ${withSpread(burst.rateLimitAnswers)}` +
        (burst.runnersMissing ? `; ${burst.runnersMissing} runners missing` : ''),
    ]);
  }
  return rows;
}
