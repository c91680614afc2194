import { type DashboardSection, graph, HALF } from './dashboardSection.ts';

const SECONDS_AXIS = { label: 'seconds', showUnits: false, min: 0 };
const ALARM_COLOUR = '#d62728';

/** How long jobs wait for a runner, and how many run. */
export const jobsSection: DashboardSection = {
  title: 'Jobs',
  description: 'How long jobs wait for a runner (from GitHub’s own timestamps), and how many run.',
  rows: ({ config, metric }) => {
    const classes = config.runnerClasses;
    return [
      classes.map(({ name }) =>
        graph({
          title: `Job wait time: ${name}`,
          left: ['p50', 'p90', 'p99'].map((statistic) =>
            metric('JobWaitTime', { RunnerClass: name }, { statistic, label: statistic }),
          ),
          leftYAxis: SECONDS_AXIS,
          leftAnnotations: [
            { value: config.monitoring.jobWaitP90AlarmSeconds, label: 'p90 alarm', color: ALARM_COLOUR },
          ],
        }),
      ),
      [
        graph({
          title: 'Jobs queued, started and completed',
          left: classes.flatMap(({ name }) => [
            metric('JobsQueued', { RunnerClass: name }, { statistic: 'Sum', label: `${name} queued` }),
            metric('JobsStarted', { RunnerClass: name }, { statistic: 'Sum', label: `${name} started` }),
            metric('JobsCompleted', { RunnerClass: name }, { statistic: 'Sum', label: `${name} completed` }),
          ]),
          width: HALF,
        }),
        graph({
          title: 'Runner start latency: pod created → job started',
          left: classes.flatMap(({ name }) =>
            ['p50', 'p90'].map((statistic) =>
              metric(
                'RunnerStartLatency',
                { RunnerClass: name },
                { statistic, label: `${name} ${statistic}` },
              ),
            ),
          ),
          leftYAxis: SECONDS_AXIS,
          width: HALF,
        }),
      ],
    ];
  },
};
