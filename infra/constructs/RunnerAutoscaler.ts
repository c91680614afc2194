import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { CONFIG_FILE, ENV } from '../../lib/environment.ts';
import { AutoscalerAlarms } from './AutoscalerAlarms.ts';
import { AutoscalerDashboard } from './AutoscalerDashboard.ts';
import { AutoscalerFunction } from './autoscalerFunction.ts';
import { ClusterAccess } from './ClusterAccess.ts';
import { ClusterPrerequisites } from './ClusterPrerequisites.ts';
import { type ClusterConnection, clusterConnection } from './clusterConnection.ts';
import { functionEntry } from './functionEntry.ts';
import { GitHubAppSecrets } from './GitHubAppSecrets.ts';
import { JobQueue } from './JobQueue.ts';
import type { RunnerAutoscalerProps } from './RunnerAutoscalerProps.ts';

export type { RunnerAutoscalerProps };

/**
 * The whole autoscaler for one existing EKS cluster: GitHub delivers `workflow_job` webhooks to a
 * Function URL, which verifies and queues them; the scaler turns queued jobs into runner pods; every
 * minute a reconciler repairs what went wrong and a census counts the pods; a dashboard and alarms
 * show it all.
 */
export class RunnerAutoscaler extends Construct {
  readonly webhookUrl: string;
  /** The validated configuration the functions run with, bundled with each one's code. */
  readonly functionConfig: AutoscalerConfig;
  readonly jobQueue: JobQueue;
  readonly webhook: AutoscalerFunction;
  readonly scaler: AutoscalerFunction;
  readonly census: AutoscalerFunction;
  readonly reconciler: AutoscalerFunction;
  readonly secrets: GitHubAppSecrets;
  /** Present unless `cluster.managePrerequisites` is false. */
  readonly prerequisites: ClusterPrerequisites | undefined;
  readonly alarms: AutoscalerAlarms;
  readonly dashboard: AutoscalerDashboard;

  constructor(scope: Construct, id: string, props: RunnerAutoscalerProps) {
    super(scope, id);
    const connection = clusterConnection(this, props);
    // The functions read the cluster's name from their config, wherever it came from.
    const config = { ...props.config, cluster: { ...props.config.cluster, name: connection.clusterName } };
    const scalerTimeout = Duration.seconds(config.scaler.timeoutSeconds);
    this.secrets = new GitHubAppSecrets(this, 'GitHubApp', {
      ...config.github,
      privateKey: props.privateKeySecret,
      webhookSecret: props.webhookSecret,
    });
    this.jobQueue = new JobQueue(this, 'Queue', { scalerTimeout });
    this.functionConfig = config;
    // Bundled beside each function's code: Lambda's 4 KB of environment cannot hold it.
    const configFiles = { [CONFIG_FILE]: JSON.stringify(config) };

    this.webhook = new AutoscalerFunction(this, 'Webhook', {
      entry: functionEntry('webhook'),
      description: 'eks-runner-autoscaler webhook: verifies GitHub deliveries and queues workflow jobs',
      timeout: Duration.seconds(10),
      memorySize: 1024,
      // Its URL is public: this bounds what forged requests can take of the account's concurrency.
      reservedConcurrentExecutions: config.webhook.reservedConcurrency,
      environment: {
        [ENV.jobQueueUrl]: this.jobQueue.queue.queueUrl,
        [ENV.webhookSecretArn]: this.secrets.webhookSecret.secretArn,
      },
      files: configFiles,
    });
    this.jobQueue.queue.grantSendMessages(this.webhook.role);
    this.secrets.webhookSecret.grantRead(this.webhook.role);
    const functionUrl = this.webhook.function.addFunctionUrl({
      // GitHub cannot sign AWS requests; the webhook signature is the authentication.
      authType: lambda.FunctionUrlAuthType.NONE,
    });
    this.webhookUrl = functionUrl.url;

    const deployment = { config, configFiles, connection };
    this.scaler = this.podManagingFunction(
      'scaler',
      'creates and removes runner pods for queued jobs',
      scalerTimeout,
      deployment,
    );
    this.scaler.function.addEventSource(
      new SqsEventSource(this.jobQueue.queue, {
        batchSize: config.scaler.batchSize,
        maxConcurrency: config.scaler.maxConcurrency,
        reportBatchItemFailures: true,
        // SQS hands over more than 10 records at once only with a batching window.
        ...(config.scaler.batchSize > 10 && { maxBatchingWindow: Duration.seconds(1) }),
      }),
    );

    this.census = new AutoscalerFunction(this, 'Census', {
      entry: functionEntry('census'),
      description: 'eks-runner-autoscaler census: counts runner pods by class, phase and problem',
      timeout: Duration.seconds(30),
      environment: {},
      files: configFiles,
      vpcPlacement: connection.vpcPlacement,
    });
    new ClusterAccess(this, 'CensusClusterAccess', {
      clusterName: connection.clusterName,
      namespace: config.cluster.namespace,
      role: this.census.role,
      access: 'view',
    });
    runEveryMinute(
      this,
      'CensusSchedule',
      this.census,
      'Counts the runner pods for the dashboard and alarms',
    );

    this.reconciler = this.podManagingFunction(
      'reconciler',
      'removes finished pods, replaces runners that cannot start, removes spares',
      Duration.seconds(90),
      deployment,
    );
    runEveryMinute(
      this,
      'ReconcilerSchedule',
      this.reconciler,
      'Repairs what webhooks and the world got wrong',
    );

    if (config.cluster.managePrerequisites) {
      this.prerequisites = new ClusterPrerequisites(this, 'ClusterPrerequisites', {
        config,
        entry: functionEntry('clusterPrerequisites'),
        connection,
        clusterAdmin: props.prerequisitesClusterAdmin,
      });
    }

    const functions = {
      webhook: this.webhook.function,
      scaler: this.scaler.function,
      census: this.census.function,
      reconciler: this.reconciler.function,
    };
    this.alarms = new AutoscalerAlarms(this, 'Alarms', {
      config,
      jobQueue: this.jobQueue,
      functions: { ...functions, prerequisites: this.prerequisites?.function.function },
      topic: props.alarmTopic,
    });
    this.dashboard = new AutoscalerDashboard(this, 'Dashboard', {
      config,
      jobQueue: this.jobQueue,
      functions,
      alarms: this.alarms.alarms,
    });
  }

  /**
   * A function that manages runner pods: it edits the runner namespace, queues jobs and parks them as
   * dead letters, and uses the App's private key.
   */
  private podManagingFunction(
    name: 'scaler' | 'reconciler',
    does: string,
    timeout: Duration,
    deployment: {
      config: AutoscalerConfig;
      configFiles: Record<string, string>;
      connection: ClusterConnection;
    },
  ): AutoscalerFunction {
    const id = name[0]?.toUpperCase() + name.slice(1);
    const fn = new AutoscalerFunction(this, id, {
      entry: functionEntry(name),
      description: `eks-runner-autoscaler ${name}: ${does}`,
      timeout,
      files: deployment.configFiles,
      environment: {
        [ENV.jobQueueUrl]: this.jobQueue.queue.queueUrl,
        [ENV.deadLetterQueueUrl]: this.jobQueue.deadLetterQueue.queueUrl,
        [ENV.privateKeySecretArn]: this.secrets.privateKey.secretArn,
      },
      vpcPlacement: deployment.connection.vpcPlacement,
    });
    this.jobQueue.queue.grantSendMessages(fn.role);
    this.jobQueue.deadLetterQueue.grantSendMessages(fn.role);
    for (const secret of [this.secrets.privateKey, ...this.secrets.additionalPrivateKeys])
      secret.grantRead(fn.role);
    new ClusterAccess(this, `${id}ClusterAccess`, {
      clusterName: deployment.connection.clusterName,
      namespace: deployment.config.cluster.namespace,
      role: fn.role,
    });
    return fn;
  }
}

function runEveryMinute(scope: Construct, id: string, fn: AutoscalerFunction, description: string): void {
  new events.Rule(scope, id, {
    description: `${description}, every minute`,
    schedule: events.Schedule.rate(Duration.minutes(1)),
    targets: [new targets.LambdaFunction(fn.function, { retryAttempts: 0 })],
  });
}
