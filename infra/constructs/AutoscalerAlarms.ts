import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AutoscalerConfig, MonitoringSettings } from '../../lib/config/autoscalerConfig.ts';
import { ERROR_KINDS } from '../../lib/errors.ts';
import { POD_PROBLEMS } from '../../lib/telemetry/metricCatalog.ts';
import { autoscalerMetrics } from './autoscalerMetrics.ts';
import type { JobQueue } from './JobQueue.ts';

/** Job-handling errors in five minutes that raise the JobErrors alarm. */
const JOB_ERRORS_PER_5_MINUTES = 10;
/** Minutes a runner pod must stay failed or unable to start before RunnersFailing goes off. */
const FAILING_RUNNER_MINUTES = 10;

/** What it means when each function itself fails: the description of its `<Name>Failures` alarm. */
const FUNCTION_FAILURES = {
  webhook:
    'The webhook function itself failed (crashed or timed out): GitHub got an error for the delivery, which the reconciler asks for again.',
  scaler: 'The scaler function itself failed (crashed, timed out or could not reach SQS).',
  reconciler:
    'The reconciler function itself failed (crashed or timed out): finished pods, broken runners and lost webhooks wait for a run that succeeds.',
  census:
    'The census function failed (usually: it could not list the runner pods): the runner graphs and the RunnersFailing alarms get no data.',
  prerequisites:
    'The cluster-prerequisites function crashed or timed out at deploy without answering CloudFormation, which then waits up to an hour.',
} as const;
export type WatchedFunction = keyof typeof FUNCTION_FAILURES;

export interface AutoscalerAlarmsProps {
  readonly config: Pick<AutoscalerConfig, 'monitoring' | 'runnerClasses'>;
  readonly jobQueue: JobQueue;
  /** Each function gets an alarm on its Lambda `Errors`. The prerequisites function is optional. */
  readonly functions: Record<Exclude<WatchedFunction, 'prerequisites'>, lambda.IFunction> & {
    readonly prerequisites?: lambda.IFunction | undefined;
  };
  /** The topic to notify; not with `monitoring.alarmTopicArn`. @default as that field and `alarmEmail` say */
  readonly topic?: sns.ITopic | undefined;
}

/**
 * What should wake an operator: a job given up on, jobs waiting in the queue or for a runner, any
 * function failing, deliveries failing the signature check, and runners that cannot start. Alarms
 * notify the given topic or `monitoring.alarmTopicArn`, or else a new encrypted topic when
 * `monitoring.alarmEmail` is set; with none of these they only show on the dashboard.
 */
export class AutoscalerAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic: sns.ITopic | undefined;

  constructor(scope: Construct, id: string, props: AutoscalerAlarmsProps) {
    super(scope, id);
    const { monitoring, runnerClasses } = props.config;
    const metric = autoscalerMetrics(monitoring.metricsNamespace);
    this.topic = this.alarmTopic(monitoring, props.topic);

    this.add('DeadLetters', {
      alarmDescription:
        'A job message is in the dead-letter queue: the scaler gave up on it. Its reason is a message attribute.',
      metric: props.jobQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('OldestMessage', {
      alarmDescription: `A job message has waited in the queue over ${monitoring.oldestMessageAlarmSeconds} s: the scaler is not keeping up or not running.`,
      metric: props.jobQueue.queue.metricApproximateAgeOfOldestMessage({
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: monitoring.oldestMessageAlarmSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
    });
    const functions = Object.entries(props.functions) as [WatchedFunction, lambda.IFunction | undefined][];
    for (const [name, fn] of functions) {
      if (!fn) continue;
      this.add(`${name[0]?.toUpperCase()}${name.slice(1)}Failures`, {
        alarmDescription: FUNCTION_FAILURES[name],
        metric: fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    this.add('JobErrors', {
      alarmDescription: `${JOB_ERRORS_PER_5_MINUTES} or more errors from Kubernetes, GitHub or AWS, or job messages past their deadline, in 5 minutes, in the scaler, the webhook or the reconciler's steps; the Errors metric says which.`,
      metric: new cloudwatch.MathExpression({
        expression: ERROR_KINDS.map((_, index) => `FILL(e${index}, 0)`).join(' + '),
        usingMetrics: Object.fromEntries(
          ERROR_KINDS.map((kind, index) => [
            `e${index}`,
            metric('Errors', { Kind: kind }, { statistic: 'Sum', period: Duration.minutes(5) }),
          ]),
        ),
        period: Duration.minutes(5),
        label: 'job errors',
      }),
      threshold: JOB_ERRORS_PER_5_MINUTES,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    this.add('SignatureRejections', {
      alarmDescription: `${monitoring.signatureRejectionsAlarmCount} or more webhook deliveries in 5 minutes failed the signature check: is the GitHub App's webhook secret the deployed one?`,
      metric: metric(
        'WebhooksRejected',
        { Reason: 'signature' },
        { statistic: 'Sum', period: Duration.minutes(5) },
      ),
      threshold: monitoring.signatureRejectionsAlarmCount,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
    for (const { name } of runnerClasses) {
      this.add(`JobWait-${name}`, {
        alarmDescription: `Jobs of class ${name} wait over ${monitoring.jobWaitP90AlarmSeconds} s for a runner (p90), in 3 of 5 minutes.`,
        metric: metric('JobWaitTime', { RunnerClass: name }, { statistic: 'p90' }),
        threshold: monitoring.jobWaitP90AlarmSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      });
      this.add(`JobStillWaiting-${name}`, {
        alarmDescription: `A job of class ${name} sent back to wait for a runner (class full, GitHub rate-limiting or failing) has waited ${monitoring.jobWaitingAlarmSeconds} s or more for one; time spent waiting for an approval does not count.`,
        metric: metric(
          'JobWaitingSeconds',
          { RunnerClass: name },
          { statistic: 'Maximum', period: Duration.minutes(5) },
        ),
        threshold: monitoring.jobWaitingAlarmSeconds,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
      });
      this.add(`RunnersFailing-${name}`, {
        alarmDescription: `Runner pods of class ${name} have failed or could not start for ${FAILING_RUNNER_MINUTES} minutes; the RunnerPodsFailing metric says why.`,
        metric: new cloudwatch.MathExpression({
          expression: POD_PROBLEMS.map((_, index) => `FILL(p${index}, 0)`).join(' + '),
          usingMetrics: Object.fromEntries(
            POD_PROBLEMS.map((problem, index) => [
              `p${index}`,
              metric('RunnerPodsFailing', { RunnerClass: name, Reason: problem }, { statistic: 'Maximum' }),
            ]),
          ),
          period: Duration.minutes(1),
          label: `failing ${name} runners`,
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: FAILING_RUNNER_MINUTES,
      });
    }
  }

  private add(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'treatMissingData' | 'alarmName'> & { metric: cloudwatch.IMetric },
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      ...props,
      // No data means nothing happened: no jobs, no failures.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (this.topic) {
      alarm.addAlarmAction(new actions.SnsAction(this.topic));
      alarm.addOkAction(new actions.SnsAction(this.topic));
    }
    this.alarms.push(alarm);
  }

  private alarmTopic(monitoring: MonitoringSettings, given: sns.ITopic | undefined): sns.ITopic | undefined {
    if (given && monitoring.alarmTopicArn) {
      Annotations.of(this).addError(
        'two alarm topics: `alarmTopic` and `monitoring.alarmTopicArn` in the config; give one',
      );
    }
    if (given) return given;
    if (monitoring.alarmTopicArn) return sns.Topic.fromTopicArn(this, 'Topic', monitoring.alarmTopicArn);
    if (!monitoring.alarmEmail) return undefined;
    // CloudWatch must be able to use the key to publish to an encrypted topic.
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the eks-runner-autoscaler alarm topic',
      enableKeyRotation: true,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const topic = new sns.Topic(this, 'Topic', {
      displayName: `eks-runner-autoscaler alarms (${Stack.of(this).stackName})`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.addSubscription(new subscriptions.EmailSubscription(monitoring.alarmEmail));
    return topic;
  }
}
