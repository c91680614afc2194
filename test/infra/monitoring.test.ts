import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { loadConfigFile } from '../../lib/config/loadConfig.ts';
import { ERROR_KINDS } from '../../lib/errors.ts';
import {
  INFRASTRUCTURE_KILL_REASONS,
  METRICS,
  RUNNER_POD_PHASES,
} from '../../lib/telemetry/metricCatalog.ts';
import { testConfig } from '../helpers/factories.ts';
import { synth } from '../helpers/synthStack.ts';

function withMonitoring(monitoring: Partial<AutoscalerConfig['monitoring']>): AutoscalerConfig {
  const config = testConfig();
  return { ...config, monitoring: { ...config.monitoring, ...monitoring } };
}

type DashboardMetric = [namespace: string, name: string, ...rest: unknown[]];

/**
 * The metrics of every dashboard widget, as CloudWatch will read them: the body is JSON joined with
 * deploy-time references, which stand in here as "<ref>".
 */
function dashboardMetrics(
  template: Template,
): { title: string; metrics: DashboardMetric[]; lines: HorizontalLine[] }[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (!dashboard) throw new Error('no dashboard');
  const [, parts] = dashboard.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join('')) as {
    widgets: {
      properties: {
        title?: string;
        markdown?: string;
        metrics?: DashboardMetric[];
        annotations?: { horizontal?: HorizontalLine[] };
      };
    }[];
  };
  return body.widgets.map(({ properties }) => ({
    title: properties.title ?? properties.markdown ?? '',
    metrics: properties.metrics ?? [],
    lines: properties.annotations?.horizontal ?? [],
  }));
}

type HorizontalLine = { value: number; label?: string };

/** The statistic of a dashboard metric entry, from the options that end it. */
const statisticOf = (metric: DashboardMetric) => (metric.at(-1) as { stat: string }).stat;

/** The dimensions of a dashboard metric entry: the name/value pairs between the name and the options. */
function dimensionsOf([, , ...rest]: DashboardMetric): Record<string, unknown> {
  const pairs = rest.filter((item) => typeof item === 'string') as string[];
  return Object.fromEntries(
    pairs.flatMap((_, index) => (index % 2 ? [] : [[pairs[index], pairs[index + 1]]])),
  );
}

function alarmsNamed(template: Template, pattern: RegExp) {
  return Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
    .filter(([id]) => pattern.test(id))
    .map(([, alarm]) => alarm.Properties);
}

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

describe('alarms', () => {
  const config = withMonitoring({
    metricsNamespace: 'Runners/Alarms',
    jobWaitP90AlarmSeconds: 240,
    oldestMessageAlarmSeconds: 900,
    jobWaitingAlarmSeconds: 1200,
    signatureRejectionsAlarmCount: 3,
  });
  const { template } = synth(config);

  it('goes off when anything reaches the dead-letter queue', () => {
    expect(alarmsNamed(template, /DeadLetters/)).toEqual([
      expect.objectContaining({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
  });

  it('goes off when the oldest job message is older than configured', () => {
    expect(alarmsNamed(template, /OldestMessage/)).toEqual([
      expect.objectContaining({ MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 900 }),
    ]);
  });

  it.each([
    ['Webhook', 'WebhookFunction'],
    ['Scaler', 'ScalerFunction'],
    ['Reconciler', 'ReconcilerFunction'],
    ['Census', 'CensusFunction'],
    ['Prerequisites', 'ClusterPrerequisitesApplyFunction'],
  ])('goes off when the %s function itself fails', (name, functionId) => {
    expect(alarmsNamed(template, new RegExp(`Alarms${name}Failures`))).toEqual([
      expect.objectContaining({
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [
          { Name: 'FunctionName', Value: { Ref: expect.stringMatching(`^Autoscaler${functionId}`) } },
        ],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
  });

  it('watches no prerequisites function where the cluster prerequisites are managed elsewhere', () => {
    // Act
    const { template: unmanaged } = synth({
      ...config,
      cluster: { ...config.cluster, managePrerequisites: false },
    });

    // Assess
    expect(alarmsNamed(unmanaged, /Failures/)).toHaveLength(4);
    expect(alarmsNamed(unmanaged, /PrerequisitesFailures/)).toEqual([]);
  });

  it('goes off on errors handling jobs, of every kind, wherever they are met', () => {
    const [jobErrors] = alarmsNamed(template, /JobErrors/);
    const watched = ((jobErrors?.Metrics ?? []) as { MetricStat?: { Metric: Record<string, unknown> } }[])
      .flatMap(({ MetricStat }) => (MetricStat ? [MetricStat.Metric] : []))
      .map(({ MetricName, Namespace, Dimensions }) => [Namespace, MetricName, Dimensions]);
    expect(watched).toEqual(
      ERROR_KINDS.map((kind) => ['Runners/Alarms', 'Errors', [{ Name: 'Kind', Value: kind }]]),
    );
  });

  it('goes off on a burst of deliveries failing the signature check, at the configured count', () => {
    expect(alarmsNamed(template, /SignatureRejections/)).toEqual([
      expect.objectContaining({
        MetricName: 'WebhooksRejected',
        Namespace: 'Runners/Alarms',
        Dimensions: [{ Name: 'Reason', Value: 'signature' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
      }),
    ]);
  });

  it.each(['linux-small', 'linux-docker'])(
    'goes off when a job of class %s sent back to wait has waited the configured time',
    (name) => {
      expect(alarmsNamed(template, new RegExp(`JobStillWaiting${name.replace('-', '')}`))).toEqual([
        expect.objectContaining({
          MetricName: 'JobWaitingSeconds',
          Namespace: 'Runners/Alarms',
          Dimensions: [{ Name: 'RunnerClass', Value: name }],
          Statistic: 'Maximum',
          Period: 300,
          Threshold: 1200,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        }),
      ]);
    },
  );

  it.each(['linux-small', 'linux-docker'])(
    'watches the p90 job wait of class %s at the configured threshold',
    (name) => {
      const [alarm] = alarmsNamed(template, new RegExp(`JobWait${name.replace('-', '')}`));
      expect(alarm).toMatchObject({
        MetricName: 'JobWaitTime',
        ExtendedStatistic: 'p90',
        Dimensions: [{ Name: 'RunnerClass', Value: name }],
        Threshold: 240,
        DatapointsToAlarm: 3,
        EvaluationPeriods: 5,
      });
    },
  );

  it('watches every class for runners that fail to start, over every reason', () => {
    const failing = alarmsNamed(template, /RunnersFailing/);
    expect(failing).toHaveLength(config.runnerClasses.length);
    for (const alarm of failing) {
      expect(JSON.stringify(alarm.Metrics)).toContain('RunnerPodsFailing');
      expect(alarm).toMatchObject({ Threshold: 0, EvaluationPeriods: 10 });
    }
  });

  it('notifies no one when neither a topic nor an email is configured', () => {
    for (const alarm of alarmsNamed(template, /.*/)) expect(alarm.AlarmActions).toBeUndefined();
  });

  it('notifies an existing topic', () => {
    // Act
    const topicArn = 'arn:aws:sns:eu-west-1:111111111111:on-call';
    const { template: withTopic } = synth(withMonitoring({ alarmTopicArn: topicArn }));

    // Assess
    withTopic.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of alarmsNamed(withTopic, /.*/)) {
      expect(alarm).toMatchObject({ AlarmActions: [topicArn], OKActions: [topicArn] });
    }
  });

  it('creates an encrypted topic with an email subscription, and passes cdk-nag', () => {
    // Prepare
    const { app, stack, template: withEmail } = synth(withMonitoring({ alarmEmail: 'oncall@example.com' }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    app.synth();

    // Assess
    withEmail.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    for (const alarm of alarmsNamed(withEmail, /.*/)) expect(alarm.AlarmActions).toHaveLength(1);
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions'))).toEqual([]);
  });
});

describe('reconciler', () => {
  const { template } = synth();
  const reconcilerRole = { 'Fn::GetAtt': [Match.stringLikeRegexp('Reconciler'), 'Arn'] };

  it('runs every minute, may manage runner pods in the runner namespace only, and may queue jobs', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReconcilerFunction'), 'Arn'] } }),
      ],
    });
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: reconcilerRole,
      AccessPolicies: [
        Match.objectLike({
          PolicyArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AmazonEKSEditPolicy')])] },
          AccessScope: { Type: 'namespace', Namespaces: ['github-runners'] },
        }),
      ],
    });
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')).filter((resource) =>
      JSON.stringify(resource.Properties.Roles).includes('Reconciler'),
    );
    const statements = JSON.stringify(policy?.Properties.PolicyDocument.Statement);
    expect(statements).toContain('sqs:SendMessage');
    expect(statements).toContain('QueueJobs');
    expect(statements).toContain('QueueDeadLetters');
    expect(statements).toContain('secretsmanager:GetSecretValue');
  });
});

describe('census', () => {
  const { template } = synth();

  it('runs every minute, with read-only access to the runner namespace', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Census'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Census'), 'Arn'] },
      AccessPolicies: [
        Match.objectLike({
          PolicyArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AmazonEKSViewPolicy')])] },
          AccessScope: { Type: 'namespace', Namespaces: ['github-runners'] },
        }),
      ],
    });
  });
});
