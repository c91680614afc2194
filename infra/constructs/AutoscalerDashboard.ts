import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { ERROR_KINDS } from '../../lib/errors.ts';
import {
  DELETION_REASONS,
  IGNORE_REASONS,
  POD_PROBLEMS,
  REJECT_REASONS,
  RUNNER_POD_PHASES,
} from '../../lib/telemetry/metricCatalog.ts';
import { autoscalerMetrics } from './autoscalerMetrics.ts';
import type { JobQueue } from './JobQueue.ts';

export interface AutoscalerDashboardProps {
  readonly config: Pick<
    AutoscalerConfig,
    'monitoring' | 'runnerClasses' | 'github' | 'cluster' | 'reconciler'
  >;
  readonly jobQueue: JobQueue;
  readonly functions: Record<'webhook' | 'scaler' | 'census' | 'reconciler', lambda.IFunction>;
  /** Shown at the top, with their state. @default none */
  readonly alarms?: cloudwatch.IAlarm[];
  /** @default "eks-runner-autoscaler-<cluster name>-<namespace>" */
  readonly dashboardName?: string;
}

const FULL = 24;
const THIRD = 8;
const QUARTER = 6;
const HEIGHT = 6;

/**
 * One dashboard for the fleet, in four sections: the jobs (how long they wait, how many), the runners
 * (by phase against each class's capacity, and why any fail), the pipeline (queue, dead letters and
 * the functions), and GitHub (rate limit and API errors).
 */
export class AutoscalerDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AutoscalerDashboardProps) {
    super(scope, id);
    const { config, jobQueue, functions } = props;
    const classes = config.runnerClasses;
    const metric = autoscalerMetrics(config.monitoring.metricsNamespace);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName:
        props.dashboardName ?? `eks-runner-autoscaler-${config.cluster.name}-${config.cluster.namespace}`,
      defaultInterval: Duration.hours(3),
    });

    if (props.alarms?.length) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: FULL, height: 3 }),
      );
    }

    this.section('Jobs', 'How long jobs wait for a runner (from GitHub’s own timestamps), and how many run.');
    this.dashboard.addWidgets(
      ...classes.map(
        ({ name }) =>
          new cloudwatch.GraphWidget({
            title: `Job wait time: ${name}`,
            left: ['p50', 'p90', 'p99'].map((statistic) =>
              metric('JobWaitTime', { RunnerClass: name }, { statistic, label: statistic }),
            ),
            leftYAxis: { label: 'seconds', showUnits: false, min: 0 },
            leftAnnotations: [
              { value: config.monitoring.jobWaitP90AlarmSeconds, label: 'p90 alarm', color: '#d62728' },
            ],
            width: THIRD,
            height: HEIGHT,
          }),
      ),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Jobs queued, started and completed',
        left: classes.flatMap(({ name }) => [
          metric('JobsQueued', { RunnerClass: name }, { statistic: 'Sum', label: `${name} queued` }),
          metric('JobsStarted', { RunnerClass: name }, { statistic: 'Sum', label: `${name} started` }),
          metric('JobsCompleted', { RunnerClass: name }, { statistic: 'Sum', label: `${name} completed` }),
        ]),
        width: 12,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Runner start latency: pod created → job started',
        left: classes.flatMap(({ name }) =>
          ['p50', 'p90'].map((statistic) =>
            metric('RunnerStartLatency', { RunnerClass: name }, { statistic, label: `${name} ${statistic}` }),
          ),
        ),
        leftYAxis: { label: 'seconds', showUnits: false, min: 0 },
        width: 12,
        height: HEIGHT,
      }),
    );

    this.section('Runners', 'Runner pods by phase against each class’s capacity, and why any fail to start.');
    this.dashboard.addWidgets(
      ...classes.map(
        ({ name, maxRunners }) =>
          new cloudwatch.GraphWidget({
            title: `Runner pods by phase: ${name}`,
            stacked: true,
            left: RUNNER_POD_PHASES.map((phase) =>
              metric(
                'RunnerPods',
                { RunnerClass: name, Phase: phase },
                { statistic: 'Maximum', label: phase },
              ),
            ),
            leftAnnotations: [{ value: maxRunners, label: `capacity (${maxRunners})`, color: '#7f7f7f' }],
            width: THIRD,
            height: HEIGHT,
          }),
      ),
    );
    this.dashboard.addWidgets(
      ...classes.map(
        ({ name }) =>
          new cloudwatch.GraphWidget({
            title: `Failing runner pods: ${name}`,
            left: POD_PROBLEMS.map((problem) =>
              metric(
                'RunnerPodsFailing',
                { RunnerClass: name, Reason: problem },
                { statistic: 'Maximum', label: problem },
              ),
            ),
            width: THIRD,
            height: HEIGHT,
          }),
      ),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Runner pods created and deleted',
        left: classes.flatMap(({ name }) => [
          metric('RunnerPodsCreated', { RunnerClass: name }, { statistic: 'Sum', label: `${name} created` }),
          ...DELETION_REASONS.map((reason) =>
            metric(
              'RunnerPodsDeleted',
              { RunnerClass: name, Reason: reason },
              { statistic: 'Sum', label: `${name} deleted: ${reason}` },
            ),
          ),
        ]),
        width: THIRD,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Runners replaced by the reconciler: they could not start',
        left: classes.map(({ name }) =>
          metric('RunnerReplacements', { RunnerClass: name }, { statistic: 'Sum', label: name }),
        ),
        width: THIRD,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Jobs sent back to wait: class at capacity',
        left: classes.map(({ name }) =>
          metric('AtCapacityRejections', { RunnerClass: name }, { statistic: 'Sum', label: name }),
        ),
        right: classes.map(({ name }) =>
          metric(
            'RunnerCapacity',
            { RunnerClass: name },
            { statistic: 'Maximum', label: `${name} maxRunners` },
          ),
        ),
        width: THIRD,
        height: HEIGHT,
      }),
    );

    this.section(
      'Pipeline',
      'Webhook → queue → scaler: queue depth and age, dead letters, and the functions.',
    );
    const minute = { period: Duration.minutes(1) };
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Job queue and dead letters',
        left: [
          jobQueue.queue.metricApproximateNumberOfMessagesVisible({
            ...minute,
            statistic: 'Maximum',
            label: 'queued',
          }),
          jobQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            ...minute,
            statistic: 'Maximum',
            label: 'dead letters',
          }),
        ],
        right: [
          jobQueue.queue.metricApproximateAgeOfOldestMessage({
            ...minute,
            statistic: 'Maximum',
            label: 'oldest message (s)',
          }),
        ],
        width: THIRD,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function errors and throttles',
        left: Object.entries(functions).flatMap(([name, fn]) => [
          fn.metricErrors({ ...minute, statistic: 'Sum', label: `${name} errors` }),
          fn.metricThrottles({ ...minute, statistic: 'Sum', label: `${name} throttles` }),
        ]),
        width: THIRD,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration (p99) and concurrency',
        left: Object.entries(functions).map(([name, fn]) =>
          fn.metricDuration({ ...minute, statistic: 'p99', label: `${name} p99 ms` }),
        ),
        right: Object.entries(functions).map(([name, fn]) =>
          fn.metric('ConcurrentExecutions', {
            ...minute,
            statistic: 'Maximum',
            label: `${name} concurrency`,
          }),
        ),
        width: THIRD,
        height: HEIGHT,
      }),
    );
    const sums = (title: string, series: cloudwatch.IMetric[]) =>
      new cloudwatch.GraphWidget({ title, left: series, width: THIRD, height: HEIGHT });
    this.dashboard.addWidgets(
      sums(
        'Errors handling jobs, by kind',
        ERROR_KINDS.map((kind) => metric('Errors', { Kind: kind }, { statistic: 'Sum', label: kind })),
      ),
      sums(
        'Webhook deliveries refused, by reason',
        REJECT_REASONS.map((reason) =>
          metric('WebhooksRejected', { Reason: reason }, { statistic: 'Sum', label: reason }),
        ),
      ),
      sums(
        'Webhook deliveries ignored, by reason',
        IGNORE_REASONS.map((reason) =>
          metric('WebhooksIgnored', { Reason: reason }, { statistic: 'Sum', label: reason }),
        ),
      ),
    );

    this.section(
      'GitHub',
      'The App’s REST quota, what the reconciler spends of it, and the errors GitHub answered.',
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'GitHub rate limit remaining',
        left: [
          metric(
            'GitHubRateLimitRemaining',
            { App: String(config.github.appId) },
            { statistic: 'Minimum', label: `App ${config.github.appId}` },
          ),
        ],
        width: QUARTER,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Reconciler GitHub calls per run',
        left: [
          metric(
            'ReconcilerGitHubCalls',
            { App: String(config.github.appId) },
            {
              statistic: 'Maximum',
              label: `most in a run (budget ${config.reconciler.maxGitHubCallsPerRun})`,
            },
          ),
        ],
        width: QUARTER,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failed webhook deliveries asked for again',
        left: [
          metric(
            'WebhooksRedelivered',
            { App: String(config.github.appId) },
            { statistic: 'Sum', label: 'redelivered' },
          ),
        ],
        width: QUARTER,
        height: HEIGHT,
      }),
      new cloudwatch.GraphWidget({
        title: 'GitHub API errors',
        left: (['github', 'github-rate-limit'] as const).map((kind) =>
          metric('Errors', { Kind: kind }, { statistic: 'Sum', label: kind }),
        ),
        width: QUARTER,
        height: HEIGHT,
      }),
    );
  }

  private section(title: string, description: string): void {
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: `## ${title}\n${description}`, width: FULL, height: 2 }),
    );
  }
}
