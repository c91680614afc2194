import {
  DELETION_REASONS,
  INFRASTRUCTURE_KILL_REASONS,
  POD_PROBLEMS,
  RUNNER_POD_PHASES,
} from '../../../lib/telemetry/metricCatalog.ts';
import type { AutoscalerMetric } from '../autoscalerMetrics.ts';
import { type DashboardSection, graph } from './dashboardSection.ts';

/**
 * Runner pods by phase against each class's capacity, why any fail to start, what was created and
 * deleted, and what the cluster did to runners: which it may not evict, and which it killed mid-job.
 */
export const runnersSection: DashboardSection = {
  title: 'Runners',
  description:
    'Runner pods by phase against each class’s capacity, why any fail to start, and runners the infrastructure killed.',
  rows: ({ config, metric }) => {
    const classes = config.runnerClasses;
    const sumPerClass = (name: 'RunnerReplacements' | 'AtCapacityRejections' | 'JobReruns') =>
      classes.map((runnerClass) =>
        metric(name, { RunnerClass: runnerClass.name }, { statistic: 'Sum', label: runnerClass.name }),
      );
    return [
      classes.map(({ name, maxRunners }) =>
        graph({
          title: `Runner pods by phase: ${name}`,
          stacked: true,
          left: RUNNER_POD_PHASES.map((phase) =>
            metric('RunnerPods', { RunnerClass: name, Phase: phase }, { statistic: 'Maximum', label: phase }),
          ),
          leftAnnotations: [{ value: maxRunners, label: `capacity (${maxRunners})`, color: '#7f7f7f' }],
        }),
      ),
      classes.map(({ name }) =>
        graph({
          title: `Failing runner pods: ${name}`,
          left: POD_PROBLEMS.map((problem) =>
            metric(
              'RunnerPodsFailing',
              { RunnerClass: name, Reason: problem },
              { statistic: 'Maximum', label: problem },
            ),
          ),
        }),
      ),
      [
        graph({
          title: 'Runner pods created and deleted',
          left: classes.flatMap(({ name }) => [
            metric(
              'RunnerPodsCreated',
              { RunnerClass: name },
              { statistic: 'Sum', label: `${name} created` },
            ),
            ...DELETION_REASONS.map((reason) =>
              metric(
                'RunnerPodsDeleted',
                { RunnerClass: name, Reason: reason },
                { statistic: 'Sum', label: `${name} deleted: ${reason}` },
              ),
            ),
          ]),
        }),
        graph({
          title: 'Runners replaced by the reconciler: they could not start',
          left: sumPerClass('RunnerReplacements'),
        }),
        graph({
          title: 'Jobs sent back to wait: class at capacity',
          left: sumPerClass('AtCapacityRejections'),
          right: classes.map(({ name }) =>
            metric(
              'RunnerCapacity',
              { RunnerClass: name },
              { statistic: 'Maximum', label: `${name} maxRunners` },
            ),
          ),
        }),
      ],
      // The warm pools, for the classes that keep one: the size the schedules set, the idle warm
      // runners the census counted, and the jobs warm runners took.
      ...(classes.some(({ pool }) => pool)
        ? [classes.filter(({ pool }) => pool).map(({ name }) => warmPoolGraph(name, metric))]
        : []),
      [
        graph({
          title: 'Live runners protected from disruption (do-not-disrupt)',
          left: classes.flatMap(({ name }) => [
            metric(
              'RunnersProtected',
              { RunnerClass: name },
              { statistic: 'Maximum', label: `${name} protected` },
            ),
            metric(
              'RunnerPods',
              { RunnerClass: name, Phase: 'Running' },
              { statistic: 'Maximum', label: `${name} running` },
            ),
          ]),
        }),
        graph({
          title: 'Runners killed by the infrastructure mid-job, by reason',
          left: classes.flatMap(({ name }) =>
            INFRASTRUCTURE_KILL_REASONS.map((reason) =>
              metric(
                'InfrastructureKills',
                { RunnerClass: name, Reason: reason },
                { statistic: 'Sum', label: `${name} ${reason}` },
              ),
            ),
          ),
        }),
        graph({
          title: 'Jobs re-run after the infrastructure killed their runner',
          left: sumPerClass('JobReruns'),
        }),
      ],
    ];
  },
};

/** One class's warm pool: the size its schedules set, its idle warm runners, and the jobs they took. */
function warmPoolGraph(name: string, metric: AutoscalerMetric) {
  return graph({
    title: `Warm pool: ${name}`,
    left: [
      metric('WarmPoolTarget', { RunnerClass: name }, { statistic: 'Maximum', label: 'target' }),
      metric('WarmRunnersIdle', { RunnerClass: name }, { statistic: 'Minimum', label: 'idle warm runners' }),
    ],
    right: [
      metric(
        'JobsServedByWarmRunners',
        { RunnerClass: name },
        { statistic: 'Sum', label: 'jobs a warm runner took' },
      ),
    ],
  });
}
