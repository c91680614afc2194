import { type DashboardSection, graph } from './dashboardSection.ts';

const SECONDS_AXIS = { label: 'seconds', showUnits: false, min: 0 };
const ALARM_COLOUR = '#d62728';

/** How long jobs wait for a runner, the longest wait of a job still queued, and how many jobs run. */
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
        }),
        graph({
          title: 'Longest wait of a job sent back to wait for a runner',
          left: classes.map(({ name }) =>
            metric('JobWaitingSeconds', { RunnerClass: name }, { statistic: 'Maximum', label: name }),
          ),
          leftYAxis: SECONDS_AXIS,
          leftAnnotations: [
            { value: config.monitoring.jobWaitingAlarmSeconds, label: 'alarm', color: ALARM_COLOUR },
          ],
        }),
      ],
    ];
  },
};
