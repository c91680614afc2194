import { CustomResource, Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { buildClusterPrerequisites } from '../../lib/cluster/buildClusterPrerequisites.ts';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { ENV } from '../../lib/environment.ts';
import { AutoscalerFunction } from './autoscalerFunction.ts';
import { ClusterAccess } from './ClusterAccess.ts';
import type { ClusterConnection } from './clusterConnection.ts';

export interface ClusterPrerequisitesProps {
  readonly config: Pick<AutoscalerConfig, 'cluster' | 'runnerClasses'>;
  /** The function's file under `functions/`. */
  readonly entry: string;
  /** The cluster, and the VPC to run in for a private endpoint. */
  readonly connection: ClusterConnection;
}

/**
 * Applies what the cluster needs (lib/cluster/buildClusterPrerequisites.ts) at every deploy, with
 * server-side apply, so no one runs kubectl: a CloudFormation custom resource whose function is the
 * only principal with cluster-admin, which creating a namespace and node daemons needs.
 */
export class ClusterPrerequisites extends Construct {
  readonly function: AutoscalerFunction;

  constructor(scope: Construct, id: string, props: ClusterPrerequisitesProps) {
    super(scope, id);
    this.function = new AutoscalerFunction(this, 'Apply', {
      entry: props.entry,
      description: 'eks-runner-autoscaler: applies the runner namespace and the dood Docker daemons',
      timeout: Duration.minutes(5),
      environment: { [ENV.clusterName]: props.connection.clusterName },
      vpcPlacement: props.connection.vpcPlacement,
    });
    const access = new ClusterAccess(this, 'Access', {
      clusterName: props.connection.clusterName,
      namespace: props.config.cluster.namespace,
      role: this.function.role,
      access: 'cluster-admin',
    });
    const resource = new CustomResource(this, 'Objects', {
      serviceToken: this.function.function.functionArn,
      resourceType: 'Custom::EksRunnerAutoscalerClusterPrerequisites',
      properties: { Objects: JSON.stringify(buildClusterPrerequisites(props.config)) },
    });
    resource.node.addDependency(access);
  }
}
