import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { AutoscalerConfig } from '../lib/config/autoscalerConfig.ts';
import { RunnerAutoscaler } from './constructs/RunnerAutoscaler.ts';

export interface AutoscalerStackProps extends StackProps {
  readonly config: AutoscalerConfig;
  /** See RunnerAutoscalerProps. @default false */
  readonly prerequisitesClusterAdmin?: boolean;
}

/** The deployable stack: the autoscaler and the outputs an operator needs to wire up the GitHub App. */
export class AutoscalerStack extends Stack {
  readonly autoscaler: RunnerAutoscaler;

  constructor(scope: Construct, id: string, props: AutoscalerStackProps) {
    super(scope, id, props);
    this.autoscaler = new RunnerAutoscaler(this, 'Autoscaler', {
      config: props.config,
      prerequisitesClusterAdmin: props.prerequisitesClusterAdmin,
    });
    new CfnOutput(this, 'WebhookUrl', {
      description: "Set this as the GitHub App's webhook URL (content type application/json)",
      value: this.autoscaler.webhookUrl,
    });
    new CfnOutput(this, 'DeadLetterQueue', {
      description: 'Job messages the scaler gave up on, with the reason as a message attribute',
      value: this.autoscaler.jobQueue.deadLetterQueue.queueUrl,
    });
  }
}
