import type { InProcessJobQueue } from '../lib/adapters/inProcessJobQueue.ts';
import { type ClassCensus, takeRunnerCensus } from '../lib/census/takeRunnerCensus.ts';
import type { AutoscalerConfig } from '../lib/config/autoscalerConfig.ts';
import type { RunnerCluster } from '../lib/ports.ts';
import type { MetricsRecorder } from '../lib/telemetry/MetricsRecorder.ts';
import { RUNNER_POD_PHASES, type RunnerPodPhase } from '../lib/telemetry/metricCatalog.ts';
import { percentile } from '../lib/telemetry/percentile.ts';

/** Upper bounds, in seconds, of the wait-time histogram's buckets; the last is open-ended. */
export const WAIT_TIME_BUCKETS = [5, 10, 30, 60, 120, 300, 600] as const;

/** What `GET /status` answers, and the status page draws. */
export interface StatusReport {
  generatedAt: string;
  queue: { ready: number; delayed: number; inFlightBatches: number; deadLetters: number };
  jobs: { queued: number; started: number; completed: number };
  runnerClasses: ClassCensus[];
  /** Runners of all classes by phase, one sample per census, oldest first. */
  history: { at: string; phases: Record<RunnerPodPhase, number> }[];
  waitTimes: {
    /** How many wait times the figures below are taken from (the latest ones kept). */
    count: number;
    p50: number | null;
    p90: number | null;
    p99: number | null;
    histogram: { label: string; upToSeconds: number | null; count: number }[];
  };
}

export interface LocalStatusOptions {
  config: AutoscalerConfig;
  cluster: RunnerCluster;
  queue: InProcessJobQueue;
  metrics: MetricsRecorder;
  /** Census samples kept for the history chart. @default 720 (an hour at the default interval) */
  historyLength?: number;
}

/** The local mode's picture of the fleet: a census on demand, its history, and the recorded metrics. */
export class LocalStatus {
  private readonly options: LocalStatusOptions;
  private readonly history: StatusReport['history'] = [];
  private latest: ClassCensus[] = [];

  constructor(options: LocalStatusOptions) {
    this.options = options;
    this.latest = takeRunnerCensus([], options.config.runnerClasses, new Date());
  }

  /** Counts the runner pods now, and adds the count to the history. */
  async sample(now = new Date()): Promise<ClassCensus[]> {
    const { config, cluster } = this.options;
    this.latest = takeRunnerCensus(await cluster.listPods(), config.runnerClasses, new Date());
    this.history.push({ at: now.toISOString(), phases: sumPhases(this.latest) });
    const keep = this.options.historyLength ?? 720;
    if (this.history.length > keep) this.history.splice(0, this.history.length - keep);
    return this.latest;
  }

  report(now = new Date()): StatusReport {
    const { queue, metrics } = this.options;
    const waits = metrics
      .points('JobWaitTime')
      .map((point) => point.value)
      .sort((a, b) => a - b);
    const figure = (fraction: number) => (waits.length > 0 ? percentile(waits, fraction) : null);
    return {
      generatedAt: now.toISOString(),
      queue: { ...queue.depth(), deadLetters: queue.deadLetters.length },
      jobs: {
        queued: metrics.total('JobsQueued'),
        started: metrics.total('JobsStarted'),
        completed: metrics.total('JobsCompleted'),
      },
      runnerClasses: this.latest,
      history: [...this.history],
      waitTimes: {
        count: waits.length,
        p50: figure(0.5),
        p90: figure(0.9),
        p99: figure(0.99),
        histogram: waitTimeHistogram(waits),
      },
    };
  }
}

/** Counts wait times into WAIT_TIME_BUCKETS. Pure. */
export function waitTimeHistogram(waits: readonly number[]): StatusReport['waitTimes']['histogram'] {
  const buckets = [
    ...WAIT_TIME_BUCKETS.map((upTo) => ({
      label: `≤${upTo} s`,
      upToSeconds: upTo as number | null,
      count: 0,
    })),
    { label: `>${WAIT_TIME_BUCKETS.at(-1)} s`, upToSeconds: null, count: 0 },
  ];
  for (const wait of waits) {
    const bucket = buckets.find(
      (candidate) => candidate.upToSeconds === null || wait <= candidate.upToSeconds,
    );
    if (bucket) bucket.count += 1;
  }
  return buckets;
}

function sumPhases(census: readonly ClassCensus[]): Record<RunnerPodPhase, number> {
  return Object.fromEntries(
    RUNNER_POD_PHASES.map((phase) => [phase, census.reduce((sum, { phases }) => sum + phases[phase], 0)]),
  ) as Record<RunnerPodPhase, number>;
}
