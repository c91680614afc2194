import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { RunnerAutoscaler, type RunnerAutoscalerProps } from '../../infra/constructs/RunnerAutoscaler.ts';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { ENV } from '../../lib/environment.ts';
import { testConfig } from '../helpers/factories.ts';

const PRIVATE_KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:platform/gh-key-AbCdEf';

/** A stack of an infra team's own app, and the CDK objects it already has. */
function infraStack() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Platform', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0platform',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0a', 'subnet-0b'],
  });
  return {
    stack,
    cluster: eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'platform-cluster' }),
    vpc,
    vpcSubnets: { subnets: vpc.privateSubnets },
    securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'EndpointAccess', 'sg-0endpoint')],
    privateKeySecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', PRIVATE_KEY_ARN),
    alarmTopic: sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:eu-west-1:111111111111:on-call'),
  };
}

/** The example config without the resources an infra team passes as objects. */
function settingsOnly(): AutoscalerConfig {
  const config = testConfig();
  const { name: _name, ...cluster } = config.cluster;
  return { ...config, cluster };
}

function autoscaler(stack: Stack, props: RunnerAutoscalerProps) {
  const made = new RunnerAutoscaler(stack, 'Runners', props);
  return { made, template: Template.fromStack(stack), annotations: Annotations.fromStack(stack) };
}

describe('RunnerAutoscaler composed from CDK objects', () => {
  const { stack, ...objects } = infraStack();
  const { made, template, annotations } = autoscaler(stack, { config: settingsOnly(), ...objects });

  it('synthesizes without errors', () => {
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  it('gives the functions of the cluster access to the cluster passed by name', () => {
    template.resourcePropertiesCountIs('AWS::EKS::AccessEntry', { ClusterName: 'platform-cluster' }, 4);
    expect(made.functionConfig.cluster.name).toBe('platform-cluster');
  });

  it('runs the functions that reach the cluster in the given subnets with the given security group', () => {
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { VpcConfig: { SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0endpoint'] } },
      4,
    );
  });

  it("uses the given private key secret and makes only the webhook's", () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.privateKeySecretArn]: PRIVATE_KEY_ARN }) },
    });
  });

  it('notifies the given topic', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: ['arn:aws:sns:eu-west-1:111111111111:on-call'],
    });
  });
});

describe('RunnerAutoscaler props given both ways, or half', () => {
  const base = testConfig();
  it.each<[string, (objects: ReturnType<typeof infraStack>) => RunnerAutoscalerProps, RegExp]>([
    ['no cluster at all', () => ({ config: settingsOnly() }), /no cluster/],
    [
      'a cluster object and a different cluster name',
      ({ cluster }) => ({ config: base, cluster }),
      /two clusters: `cluster` is "platform-cluster" but `cluster.name` in the config is "build-cluster"/,
    ],
    ['a VPC without subnets or security group', ({ vpc }) => ({ config: base, vpc }), /`vpc` needs/],
    [
      'subnets and a security group without their VPC',
      ({ vpcSubnets, securityGroups }) => ({ config: base, vpcSubnets, securityGroups }),
      /need the `vpc` they are in/,
    ],
    [
      'a VPC object and a VPC in the config',
      ({ vpc, vpcSubnets, securityGroups }) => ({
        config: {
          ...base,
          cluster: {
            ...base.cluster,
            vpc: {
              vpcId: 'vpc-1',
              subnetIds: ['subnet-1'],
              availabilityZones: ['eu-west-1a'],
              securityGroupId: 'sg-1',
            },
          },
        },
        vpc,
        vpcSubnets,
        securityGroups,
      }),
      /two VPCs/,
    ],
    [
      'a secret passed and also a secret name in the config',
      ({ privateKeySecret }) => ({
        config: { ...base, github: { ...base.github, privateKeySecretArn: 'gh-key' } },
        privateKeySecret,
      }),
      /`privateKeySecret` and `github.privateKeySecretArn`/,
    ],
    [
      'a topic passed and also a topic ARN in the config',
      ({ alarmTopic }) => ({
        config: { ...base, monitoring: { ...base.monitoring, alarmTopicArn: 'arn:aws:sns:eu-west-1:1:x' } },
        alarmTopic,
      }),
      /two alarm topics/,
    ],
  ])('reports %s as a synth error', (_, props, message) => {
    // Prepare
    const objects = infraStack();

    // Act
    const { annotations } = autoscaler(objects.stack, props(objects));

    // Assess
    annotations.hasError('*', Match.stringLikeRegexp(message.source));
  });

  it('accepts a cluster object whose name the config also gives', () => {
    // Prepare
    const { stack, cluster } = infraStack();
    const config = { ...base, cluster: { ...base.cluster, name: 'platform-cluster' } };

    // Act
    const { annotations } = autoscaler(stack, { config, cluster });

    // Assess
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });
});
