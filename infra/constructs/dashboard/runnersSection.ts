import { DELETION_REASONS, POD_PROBLEMS, RUNNER_POD_PHASES } from '../../../lib/telemetry/metricCatalog.ts';
import { type DashboardSection, graph } from './dashboardSection.ts';

/** Runner pods by phase against each class's capacity, why any fail to start, and what was created and deleted. */
export const runnersSection: DashboardSection = {
  title: 'Runners',
  description: 'Runner pods by phase against each class’s capacity, and why any fail to start.',
  rows: ({ config, metric }) => {
    const classes = config.runnerClasses;
    const sumPerClass = (name: 'RunnerReplacements' | 'AtCapacityRejections') =>
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
    ];
  },
};
