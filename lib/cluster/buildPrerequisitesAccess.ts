import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { LABEL, MANAGED_BY } from '../pod/labels.ts';
import { runnerNamespace } from './buildClusterPrerequisites.ts';
import { runnerPodPolicyName } from './buildRunnerPodPolicy.ts';
import type { ApiObject, RbacSubject, RoleBindingManifest, RoleManifest } from './clusterManifests.ts';

/**
 * The CDK context key of a deploy in which the prerequisites function is cluster-admin, and installs
 * its own RBAC (buildPrerequisitesAccess). Every other deploy takes that cluster-admin away again.
 */
export const CLUSTER_ADMIN_CONTEXT_KEY = 'prerequisitesClusterAdmin';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The Kubernetes group the prerequisites function is in, through its EKS access entry: one per deployment. */
export function prerequisitesGroup(namespace: string): string {
  return `eks-runner-autoscaler-prerequisites:${namespace}`;
}

/**
 * The rights of the prerequisites function, which are exactly what applying and removing the objects
 * of buildClusterPrerequisites takes, bound to its group: the runner namespace and its pods'
 * admission policy and binding (by name), any PriorityClass, and DaemonSets in the runner namespace. With the namespace first, as the
 * RoleBinding lives in it.
 *
 * Server-side apply needs `patch`, and also `create` when the object is new, which the API server
 * authorizes with the object's name: so `resourceNames` limits creating the namespace too. The
 * PriorityClasses and DaemonSets are named after the runner classes, which change with the config,
 * while these objects can change only in a deploy that makes the function cluster-admin: they are
 * not limited by name.
 */
export function buildPrerequisitesAccess(config: Pick<AutoscalerConfig, 'cluster'>): ApiObject[] {
  const { namespace } = config.cluster;
  const labels = { [LABEL.managedBy]: MANAGED_BY };
  const clusterWideName = `eks-runner-autoscaler-prerequisites-${namespace}`;
  const namespacedName = 'eks-runner-autoscaler-prerequisites';
  const subjects: RbacSubject[] = [
    { apiGroup: RBAC_GROUP, kind: 'Group', name: prerequisitesGroup(namespace) },
  ];
  const clusterRole: RoleManifest = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name: clusterWideName, labels },
    rules: [
      { apiGroups: [''], resources: ['namespaces'], resourceNames: [namespace], verbs: ['create', 'patch'] },
      {
        apiGroups: ['scheduling.k8s.io'],
        resources: ['priorityclasses'],
        verbs: ['create', 'patch', 'delete'],
      },
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
        resourceNames: [runnerPodPolicyName(namespace)],
        verbs: ['create', 'patch', 'delete'],
      },
    ],
  };
  const clusterRoleBinding: RoleBindingManifest = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: clusterWideName, labels },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: clusterWideName },
    subjects,
  };
  const role: RoleManifest = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'Role',
    metadata: { name: namespacedName, namespace, labels },
    rules: [{ apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['create', 'patch', 'delete'] }],
  };
  const roleBinding: RoleBindingManifest = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: { name: namespacedName, namespace, labels },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: namespacedName },
    subjects,
  };
  return [runnerNamespace(config), clusterRole, clusterRoleBinding, role, roleBinding];
}
