import { CustomResource, Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { buildClusterPrerequisites } from '../../lib/cluster/buildClusterPrerequisites.ts';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { ENV } from '../../lib/environment.ts';
import { AutoscalerFunction, type AutoscalerFunctionProps } from './autoscalerFunction.ts';
import { ClusterAccess } from './ClusterAccess.ts';

export interface ClusterPrerequisitesProps {
  readonly config: Pick<AutoscalerConfig, 'cluster' | 'runnerClasses'>;
  /** The function's file under `functions/`. */
  readonly entry: string;
  /** Run inside the cluster's VPC (for a private endpoint). @default not in a VPC */
  readonly vpcPlacement?: AutoscalerFunctionProps['vpcPlacement'];
}

const FUNCTION_TIMEOUT = Duration.minutes(5);

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
      timeout: FUNCTION_TIMEOUT,
      environment: { [ENV.clusterName]: props.config.cluster.name },
      vpcPlacement: props.vpcPlacement,
    });
    const access = new ClusterAccess(this, 'Access', {
      clusterName: props.config.cluster.name,
      namespace: props.config.cluster.namespace,
      role: this.function.role,
      access: 'cluster-admin',
    });
    const resource = new CustomResource(this, 'Objects', {
      serviceToken: this.function.function.functionArn,
      resourceType: 'Custom::EksRunnerAutoscalerClusterPrerequisites',
      properties: { Objects: JSON.stringify(buildClusterPrerequisites(props.config)) },
      // The function answers before its own timeout; this bounds CloudFormation's wait if it never does.
      serviceTimeout: FUNCTION_TIMEOUT.plus(Duration.minutes(1)),
    });
    resource.node.addDependency(access);
  }
}
