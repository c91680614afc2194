import type { ObjectMeta, PodSpec } from '../pod/podManifest.ts';

/**
 * The objects the deploy applies to the cluster, in lib's own types (see lib/pod/podManifest.ts):
 * exactly the fields buildClusterPrerequisites and buildPrerequisitesAccess set. The adapter applies
 * any of them as an ApiObject; test/adapters/manifestTypes.test.ts checks each against client-node's
 * model.
 */

/** Any object the applier can apply or remove: what names it. */
export interface ApiObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface NamespaceManifest extends ApiObject {
  apiVersion: 'v1';
  kind: 'Namespace';
}

export interface PriorityClassManifest extends ApiObject {
  apiVersion: 'scheduling.k8s.io/v1';
  kind: 'PriorityClass';
  value: number;
  preemptionPolicy: 'Never' | 'PreemptLowerPriority';
  globalDefault: boolean;
  description: string;
}

export interface DaemonSetManifest extends ApiObject {
  apiVersion: 'apps/v1';
  kind: 'DaemonSet';
  spec: {
    selector: { matchLabels: Record<string, string> };
    updateStrategy: { type: 'RollingUpdate'; rollingUpdate: { maxUnavailable: number } };
    template: { metadata: Omit<ObjectMeta, 'name'>; spec: PodSpec };
  };
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

export interface RbacSubject {
  apiGroup: string;
  kind: 'Group' | 'User';
  name: string;
}

export interface RoleManifest extends ApiObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role' | 'ClusterRole';
  rules: PolicyRule[];
}

export interface RoleBindingManifest extends ApiObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  roleRef: { apiGroup: string; kind: 'Role' | 'ClusterRole'; name: string };
  subjects: RbacSubject[];
}

export interface ValidatingAdmissionPolicyManifest extends ApiObject {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingAdmissionPolicy';
  spec: {
    failurePolicy: 'Fail';
    matchConstraints: {
      namespaceSelector: { matchLabels: Record<string, string> };
      resourceRules: {
        apiGroups: string[];
        apiVersions: string[];
        operations: 'CREATE'[];
        resources: string[];
      }[];
    };
    matchConditions: { name: string; expression: string }[];
    variables: { name: string; expression: string }[];
    validations: { expression: string; message: string; reason: 'Forbidden' }[];
  };
}

export interface ValidatingAdmissionPolicyBindingManifest extends ApiObject {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingAdmissionPolicyBinding';
  spec: { policyName: string; validationActions: 'Deny'[] };
}
