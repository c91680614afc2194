import type { KubernetesObject } from '@kubernetes/client-node';
import { Annotations, CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { buildClusterPrerequisites } from '../../lib/cluster/buildClusterPrerequisites.ts';
import {
  buildPrerequisitesAccess,
  CLUSTER_ADMIN_CONTEXT_KEY,
  prerequisitesGroup,
} from '../../lib/cluster/buildPrerequisitesAccess.ts';
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
  /**
   * Make the function cluster-admin for this deploy, so that it installs its own RBAC
   * (lib/cluster/buildPrerequisitesAccess.ts). The next deploy without it takes cluster-admin away.
   * @default false
   */
  readonly clusterAdmin?: boolean;
}

const FUNCTION_TIMEOUT = Duration.minutes(5);

/**
 * Applies what the cluster needs (lib/cluster/buildClusterPrerequisites.ts) at every deploy, with
 * server-side apply, so no one runs kubectl: a CloudFormation custom resource whose function may do
 * only that, through RBAC bound to its Kubernetes group. That RBAC cannot come from the function
 * itself, and EKS has no access policy narrower than cluster-admin that creates a namespace or a
 * PriorityClass; so a deploy with `clusterAdmin` gives the function cluster-admin, and it applies
 * the RBAC, which stays in the cluster when a later deploy takes cluster-admin away.
 */
export class ClusterPrerequisites extends Construct {
  readonly function: AutoscalerFunction;

  constructor(scope: Construct, id: string, props: ClusterPrerequisitesProps) {
    super(scope, id);
    const { namespace } = props.config.cluster;
    this.function = new AutoscalerFunction(this, 'Apply', {
      entry: props.entry,
      description: 'eks-runner-autoscaler: applies the runner namespace and the dood Docker daemons',
      timeout: FUNCTION_TIMEOUT,
      environment: { [ENV.clusterName]: props.connection.clusterName },
      vpcPlacement: props.connection.vpcPlacement,
    });
    const access = new ClusterAccess(this, 'Access', {
      clusterName: props.connection.clusterName,
      namespace,
      role: this.function.role,
      access: props.clusterAdmin ? 'cluster-admin' : 'none',
      kubernetesGroups: [prerequisitesGroup(namespace)],
    });
    const objects = this.appliedObjects('Objects', 'Prerequisites', buildClusterPrerequisites(props.config));
    objects.node.addDependency(access);
    if (props.clusterAdmin) {
      const rbac = this.appliedObjects('Rbac', 'PrerequisitesRbac', buildPrerequisitesAccess(props.config));
      // Kept when a deploy without cluster-admin drops it from the template: it is what that deploy runs on.
      rbac.applyRemovalPolicy(RemovalPolicy.RETAIN);
      rbac.node.addDependency(access);
      objects.node.addDependency(rbac);
      Annotations.of(this).addWarningV2(
        'eks-runner-autoscaler:prerequisites-cluster-admin',
        `the cluster prerequisites function is cluster-admin until a deploy without -c ${CLUSTER_ADMIN_CONTEXT_KEY}=true`,
      );
    }
  }

  /** A custom resource whose function applies the objects. */
  private appliedObjects(id: string, type: string, objects: KubernetesObject[]): CustomResource {
    return new CustomResource(this, id, {
      serviceToken: this.function.function.functionArn,
      resourceType: `Custom::EksRunnerAutoscalerCluster${type}`,
      properties: { Objects: JSON.stringify(objects) },
      // The function answers before its own timeout; this bounds CloudFormation's wait if it never does.
      serviceTimeout: FUNCTION_TIMEOUT.plus(Duration.minutes(1)),
    });
  }
}
