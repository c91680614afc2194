import { Duration } from 'aws-cdk-lib';
import { type DashboardSection, graph, QUARTER } from './dashboardSection.ts';

const SECONDS_AXIS = { label: 'seconds', showUnits: false, min: 0 };
const ALARM_COLOUR = '#d62728';

/**
 * How long jobs wait for a runner, the longest wait of a job still queued, the jobs held for an
 * approval or given no runner since no runner group serves them, and how many jobs run.
 */
export const jobsSection: DashboardSection = {
  title: 'Jobs',
  description: 'How long jobs wait for a runner (from GitHub’s own timestamps), and how many run.',
  rows: ({ config, metric }) => {
    const classes = config.runnerClasses;
    // A job that waits long is looked at about once in this period, so the sum over it is about how many wait.
    const approvalLooks = Duration.minutes(Math.ceil(config.reconciler.waitingJobRecheckMaxSeconds / 60));
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
          width: QUARTER,
          left: classes.flatMap(({ name }) => [
            metric('JobsQueued', { RunnerClass: name }, { statistic: 'Sum', label: `${name} queued` }),
            metric('JobsStarted', { RunnerClass: name }, { statistic: 'Sum', label: `${name} started` }),
            metric('JobsCompleted', { RunnerClass: name }, { statistic: 'Sum', label: `${name} completed` }),
          ]),
        }),
        graph({
          title: 'Runner start latency: pod created → job started',
          width: QUARTER,
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
          width: QUARTER,
          left: classes.map(({ name }) =>
            metric('JobWaitingSeconds', { RunnerClass: name }, { statistic: 'Maximum', label: name }),
          ),
          leftYAxis: SECONDS_AXIS,
          leftAnnotations: [
            { value: config.monitoring.jobWaitingAlarmSeconds, label: 'alarm', color: ALARM_COLOUR },
          ],
        }),
        graph({
          title: `Jobs waiting for an approval, holding no runner (looks per ${approvalLooks.toMinutes()} min)`,
          width: QUARTER,
          left: classes.map(({ name }) =>
            metric(
              'JobsWaitingForApproval',
              { RunnerClass: name },
              { statistic: 'Sum', label: name, period: approvalLooks },
            ),
          ),
        }),
      ],
      [
        graph({
          title: 'Jobs given no runner: the runner group may not run their repository',
          left: classes.map(({ name }) =>
            metric('JobsNoRunnerGroupOpen', { RunnerClass: name }, { statistic: 'Sum', label: name }),
          ),
        }),
      ],
    ];
  },
};
