import { Annotations, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import type { RunnerAutoscalerProps } from './RunnerAutoscalerProps.ts';

/** Where a function that reaches a private cluster endpoint runs. */
export interface VpcPlacement {
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets: ec2.SubnetSelection;
  readonly securityGroups: ec2.ISecurityGroup[];
}

/** The cluster the autoscaler serves, and how its functions reach it. */
export interface ClusterConnection {
  readonly clusterName: string;
  /** Absent when the cluster endpoint is public. */
  readonly vpcPlacement: VpcPlacement | undefined;
}

type ConnectionProps = Pick<RunnerAutoscalerProps, 'cluster' | 'vpc' | 'vpcSubnets' | 'securityGroups'> & {
  readonly config: Pick<AutoscalerConfig, 'cluster'>;
};

/**
 * The cluster and its VPC, from the CDK objects in the props or the IDs in the config. A resource given
 * neither way, or both, is reported as a synth error on `scope`.
 */
export function clusterConnection(scope: Construct, props: ConnectionProps): ClusterConnection {
  return { clusterName: clusterName(scope, props), vpcPlacement: vpcPlacement(scope, props) };
}

function clusterName(scope: Construct, props: ConnectionProps): string {
  const configured = props.config.cluster.name;
  const given = props.cluster?.clusterName;
  if (given === undefined) {
    if (configured === undefined) {
      Annotations.of(scope).addError('no cluster: pass `cluster`, or set `cluster.name` in the config');
    }
    return configured ?? '';
  }
  if (configured !== undefined && !Token.isUnresolved(given) && given !== configured) {
    Annotations.of(scope).addError(
      `two clusters: \`cluster\` is "${given}" but \`cluster.name\` in the config is "${configured}"; give one`,
    );
  }
  return given;
}

function vpcPlacement(scope: Construct, props: ConnectionProps): VpcPlacement | undefined {
  const configured = props.config.cluster.vpc;
  const { vpc, vpcSubnets, securityGroups } = props;
  if (!vpc) {
    if (vpcSubnets || securityGroups) {
      Annotations.of(scope).addError('`vpcSubnets` and `securityGroups` need the `vpc` they are in');
    }
    return configured && configuredVpcPlacement(scope, configured);
  }
  if (configured) {
    Annotations.of(scope).addError('two VPCs: `vpc` and `cluster.vpc` in the config; give one');
  }
  if (!vpcSubnets || !securityGroups?.length) {
    Annotations.of(scope).addError(
      '`vpc` needs `vpcSubnets` (where the functions run) and `securityGroups` (one allowed into the ' +
        'cluster endpoint on 443)',
    );
  }
  return { vpc, vpcSubnets: vpcSubnets ?? {}, securityGroups: securityGroups ?? [] };
}

function configuredVpcPlacement(
  scope: Construct,
  configured: NonNullable<AutoscalerConfig['cluster']['vpc']>,
): VpcPlacement {
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'ClusterVpc', {
    vpcId: configured.vpcId,
    availabilityZones: configured.availabilityZones,
    privateSubnetIds: configured.subnetIds,
  });
  return {
    vpc,
    vpcSubnets: { subnets: vpc.privateSubnets },
    securityGroups: [
      ec2.SecurityGroup.fromSecurityGroupId(scope, 'ClusterEndpointAccess', configured.securityGroupId),
    ],
  };
}
