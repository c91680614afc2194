import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../lib/errors.ts';
import { alarmsNamed, withMonitoring } from '../helpers/monitoringTemplate.ts';
import { synth } from '../helpers/synthStack.ts';

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
