import { describe, expect, it } from 'vitest';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { loadConfigFile } from '../../lib/config/loadConfig.ts';
import {
  INFRASTRUCTURE_KILL_REASONS,
  METRICS,
  RUNNER_POD_PHASES,
} from '../../lib/telemetry/metricCatalog.ts';
import {
  dashboardMetrics,
  dimensionsOf,
  statisticOf,
  withMonitoring,
} from '../helpers/monitoringTemplate.ts';
import { synth } from '../helpers/synthStack.ts';

describe('dashboard', () => {
  const monitored = withMonitoring({
    metricsNamespace: 'Runners/Test',
    jobWaitP90AlarmSeconds: 90,
    jobWaitingAlarmSeconds: 1000,
  });
  // The first class keeps the example's scheduled warm pool; the others keep none.
  const pool = loadConfigFile(new URL('../../autoscaler.config.example.json', import.meta.url).pathname)
    .runnerClasses[0]?.pool;
  const config: AutoscalerConfig = {
    ...monitored,
    runnerClasses: monitored.runnerClasses.map((runnerClass, index) =>
      index === 0 ? { ...runnerClass, pool } : runnerClass,
    ),
  };
  const { template } = synth(config);
  const widgets = dashboardMetrics(template);
  const allMetrics = widgets.flatMap(({ metrics }) => metrics);

  it.each(Object.entries(METRICS))(
    'graphs %s in the configured namespace, with its catalog dimensions',
    (name, spec) => {
      const graphed = allMetrics.filter(
        ([namespace, metricName]) => namespace === 'Runners/Test' && metricName === name,
      );
      expect(graphed.length).toBeGreaterThan(0);
      for (const metric of graphed)
        expect(Object.keys(dimensionsOf(metric)).sort()).toEqual([...spec.dimensions].sort());
    },
  );

  it('has the four sections, and the job wait p50/p90/p99 and pods by phase against capacity of every class', () => {
    const titles = widgets.map(({ title }) => title);
    for (const section of ['## Jobs', '## Runners', '## Pipeline', '## GitHub']) {
      expect(titles.some((title) => title.startsWith(section))).toBe(true);
    }
    for (const { name } of config.runnerClasses) {
      const waits = widgets.find(({ title }) => title === `Job wait time: ${name}`)?.metrics ?? [];
      expect(waits.map((metric) => [dimensionsOf(metric), statisticOf(metric)])).toEqual([
        [{ RunnerClass: name }, 'p50'],
        [{ RunnerClass: name }, 'p90'],
        [{ RunnerClass: name }, 'p99'],
      ]);
      const phases = widgets.find(({ title }) => title === `Runner pods by phase: ${name}`)?.metrics ?? [];
      expect(phases.map((metric) => dimensionsOf(metric).Phase)).toEqual([...RUNNER_POD_PHASES]);
    }
  });

  it('draws the longest wait of a job sent back to wait, per class, against its alarm threshold', () => {
    const widget = widgets.find(({ metrics }) => metrics.some((metric) => metric[1] === 'JobWaitingSeconds'));
    expect(widget?.metrics.map((metric) => [dimensionsOf(metric).RunnerClass, statisticOf(metric)])).toEqual(
      config.runnerClasses.map(({ name }) => [name, 'Maximum']),
    );
    expect(widget?.lines).toEqual([expect.objectContaining({ value: 1000 })]);
  });

  it('draws the jobs waiting for an approval per class, summed over the longest gap between looks', () => {
    const widget = widgets.find(({ metrics }) =>
      metrics.some((metric) => metric[1] === 'JobsWaitingForApproval'),
    );
    expect(
      widget?.metrics.map((metric) => [
        dimensionsOf(metric).RunnerClass,
        statisticOf(metric),
        (metric.at(-1) as { period: number }).period,
      ]),
    ).toEqual(config.runnerClasses.map(({ name }) => [name, 'Sum', 900]));
  });

  it('draws the warm pool of each class that keeps one: its target, its idle runners, the jobs they served', () => {
    const pools = widgets.filter(({ title }) => title.startsWith('Warm pool: '));
    expect(pools.map(({ title }) => title)).toEqual([`Warm pool: ${config.runnerClasses[0]?.name}`]);
    expect(pools[0]?.metrics.map((metric) => [metric[1], dimensionsOf(metric), statisticOf(metric)])).toEqual(
      [
        ['WarmPoolTarget', { RunnerClass: config.runnerClasses[0]?.name }, 'Maximum'],
        ['WarmRunnersIdle', { RunnerClass: config.runnerClasses[0]?.name }, 'Minimum'],
        ['JobsServedByWarmRunners', { RunnerClass: config.runnerClasses[0]?.name }, 'Sum'],
      ],
    );
  });

  it('draws the protected runners of every class, and the infrastructure kills by every reason', () => {
    const classes = config.runnerClasses.map(({ name }) => name);
    const graphedFor = (name: string, dimension: string) =>
      allMetrics
        .filter((metric) => metric[1] === name)
        .map((metric) => [dimensionsOf(metric)[dimension], statisticOf(metric)]);
    expect(graphedFor('RunnersProtected', 'RunnerClass')).toEqual(classes.map((name) => [name, 'Maximum']));
    expect(graphedFor('JobReruns', 'RunnerClass')).toEqual(classes.map((name) => [name, 'Sum']));
    const kills = allMetrics.filter((metric) => metric[1] === 'InfrastructureKills').map(dimensionsOf);
    expect(kills).toEqual(
      classes.flatMap((name) =>
        INFRASTRUCTURE_KILL_REASONS.map((reason) => ({ RunnerClass: name, Reason: reason })),
      ),
    );
  });

  it('graphs the queue, the dead letters and every function', () => {
    const graphed = (namespace: string, name: string) =>
      allMetrics.filter((metric) => metric[0] === namespace && metric[1] === name).length;
    expect(graphed('AWS/SQS', 'ApproximateNumberOfMessagesVisible')).toBe(2);
    expect(graphed('AWS/SQS', 'ApproximateAgeOfOldestMessage')).toBe(1);
    for (const name of ['Errors', 'Throttles', 'Duration', 'ConcurrentExecutions']) {
      expect(graphed('AWS/Lambda', name)).toBe(4);
    }
  });
});
