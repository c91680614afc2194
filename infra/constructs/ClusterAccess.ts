import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ClusterAccessProps {
  /** Name of the existing EKS cluster; it must use the `API` or `API_AND_CONFIG_MAP` authentication mode. */
  readonly clusterName: string;
  /** The namespace the `edit` and `view` access policies are scoped to. */
  readonly namespace: string;
  /** The role that is given access. */
  readonly role: iam.IRole;
  /**
   * The EKS access policy: `edit` manages runner pods and their Secrets, `view` only reads them
   * (AmazonEKSViewPolicy), both in the namespace only; `cluster-admin` may do anything anywhere;
   * `none` leaves the role only what RBAC in the cluster grants its `kubernetesGroups`.
   * @default "edit"
   */
  readonly access?: 'edit' | 'view' | 'cluster-admin' | 'none';
  /** Kubernetes groups the role is in, for RoleBindings and ClusterRoleBindings in the cluster. @default none */
  readonly kubernetesGroups?: readonly string[];
}

const ACCESS_POLICIES = {
  edit: 'AmazonEKSEditPolicy',
  view: 'AmazonEKSViewPolicy',
  'cluster-admin': 'AmazonEKSClusterAdminPolicy',
} as const;

/**
 * Lets one role into an existing cluster: an EKS access entry with its access policy (scoped to the
 * namespace unless it is cluster-admin) and groups, and DescribeCluster on that cluster only.
 */
export class ClusterAccess extends Construct {
  readonly accessEntry: eks.CfnAccessEntry;

  constructor(scope: Construct, id: string, props: ClusterAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const access = props.access ?? 'edit';
    this.accessEntry = new eks.CfnAccessEntry(this, 'AccessEntry', {
      clusterName: props.clusterName,
      principalArn: props.role.roleArn,
      type: 'STANDARD',
      kubernetesGroups: props.kubernetesGroups && [...props.kubernetesGroups],
      accessPolicies:
        access === 'none'
          ? undefined
          : [
              {
                policyArn: `arn:${stack.partition}:eks::aws:cluster-access-policy/${ACCESS_POLICIES[access]}`,
                accessScope:
                  access === 'cluster-admin'
                    ? { type: 'cluster' }
                    : { type: 'namespace', namespaces: [props.namespace] },
              },
            ],
    });
    props.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['eks:DescribeCluster'],
        resources: [
          stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: props.clusterName }),
        ],
      }),
    );
  }
}
