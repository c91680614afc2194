import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eks from 'aws-cdk-lib/aws-eks';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';

/**
 * What the autoscaler serves and where it runs. The AWS resources it uses can be named in `config` by
 * their IDs (as this repository's own app does, from the JSON file) or passed as CDK objects in the
 * other props; give each one way only, or synth reports an error.
 */
export interface RunnerAutoscalerProps {
  /**
   * The settings: a configuration as `parseConfig` validates it (see autoscaler.config.example.json).
   * Its `cluster.name`, `cluster.vpc`, `github.privateKeySecretArn`, `github.webhookSecretArn` and
   * `monitoring.alarmTopicArn` are the ID-based counterparts of the props below.
   */
  readonly config: AutoscalerConfig;
  /**
   * Make the cluster prerequisites function cluster-admin for this deploy, to install its RBAC
   * (see ClusterPrerequisites). @default false
   */
  readonly prerequisitesClusterAdmin?: boolean;
  /**
   * The existing EKS cluster, in `API` or `API_AND_CONFIG_MAP` authentication mode. Only its name is
   * used; `config.cluster.name`, when also set, must be the same.
   * @default the cluster named `config.cluster.name`
   */
  readonly cluster?: eks.ICluster;
  /**
   * The VPC that the functions reaching the cluster (scaler, reconciler, census, prerequisites) run in,
   * for a private cluster endpoint. It needs `vpcSubnets` and `securityGroups`.
   * @default `config.cluster.vpc`, else the functions run outside any VPC
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of `vpc` those functions run in. They need a route to GitHub, SQS, Secrets Manager and
   * EKS (NAT or VPC endpoints).
   * @default none; required with `vpc`
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The security groups of those functions; one must be allowed into the cluster endpoint on 443.
   * @default none; required with `vpc`
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * The secret holding the GitHub App's private key (PEM).
   * @default the secret `config.github.privateKeySecretArn` names, else a new secret to fill in
   */
  readonly privateKeySecret?: secretsmanager.ISecret;
  /**
   * The webhook secret: the value itself, or `{"current": "...", "previous": "..."}` while rotating.
   * @default the secret `config.github.webhookSecretArn` names, else a new secret with a generated value
   */
  readonly webhookSecret?: secretsmanager.ISecret;
  /**
   * The SNS topic the alarms notify. `config.monitoring.alarmEmail` subscribes only to a topic the
   * construct makes.
   * @default the topic `config.monitoring.alarmTopicArn` names, else a new encrypted topic when
   * `config.monitoring.alarmEmail` is set, else none (the alarms only show on the dashboard)
   */
  readonly alarmTopic?: sns.ITopic;
}
