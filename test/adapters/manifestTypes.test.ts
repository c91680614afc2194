import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1DaemonSet,
  V1Namespace,
  V1Pod,
  V1PodStatus,
  V1PriorityClass,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1ValidatingAdmissionPolicy,
  V1ValidatingAdmissionPolicyBinding,
} from '@kubernetes/client-node';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  DaemonSetManifest,
  NamespaceManifest,
  PriorityClassManifest,
  RoleBindingManifest,
  RoleManifest,
  ValidatingAdmissionPolicyBindingManifest,
  ValidatingAdmissionPolicyManifest,
} from '../../lib/cluster/clusterManifests.ts';
import type { PodManifest, PodStatusView, SecretManifest } from '../../lib/pod/podManifest.ts';

/**
 * lib's own manifest types against client-node's model, checked by the compiler (`tsc -p .`): what
 * the core builds is a valid object of its kind, and what the API server returns can be read by the
 * core's readings. The runner pod and Secret are also checked where the adapter sends them.
 */
describe("lib's manifest types", () => {
  it('are objects of the Kubernetes model', () => {
    expectTypeOf<PodManifest>().toExtend<V1Pod>();
    expectTypeOf<SecretManifest>().toExtend<V1Secret>();
    expectTypeOf<NamespaceManifest>().toExtend<V1Namespace>();
    expectTypeOf<PriorityClassManifest>().toExtend<V1PriorityClass>();
    expectTypeOf<DaemonSetManifest>().toExtend<V1DaemonSet>();
    expectTypeOf<RoleManifest & { kind: 'Role' }>().toExtend<V1Role>();
    expectTypeOf<RoleManifest & { kind: 'ClusterRole' }>().toExtend<V1ClusterRole>();
    expectTypeOf<RoleBindingManifest & { kind: 'RoleBinding' }>().toExtend<V1RoleBinding>();
    expectTypeOf<RoleBindingManifest & { kind: 'ClusterRoleBinding' }>().toExtend<V1ClusterRoleBinding>();
    expectTypeOf<ValidatingAdmissionPolicyManifest>().toExtend<V1ValidatingAdmissionPolicy>();
    expectTypeOf<ValidatingAdmissionPolicyBindingManifest>().toExtend<V1ValidatingAdmissionPolicyBinding>();
  });

  it("read what the API server's pod status holds", () => {
    expectTypeOf<V1PodStatus>().toExtend<PodStatusView>();
  });
});
