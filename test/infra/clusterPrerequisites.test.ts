import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/factories.ts';
import { synth } from '../helpers/synthStack.ts';

const OBJECTS = 'Custom::EksRunnerAutoscalerClusterPrerequisites';
const RBAC = 'Custom::EksRunnerAutoscalerClusterPrerequisitesRbac';
const GROUP = 'eks-runner-autoscaler-prerequisites:github-runners';
const prerequisitesPrincipal = {
  'Fn::GetAtt': [Match.stringLikeRegexp('ClusterPrerequisitesApply'), 'Arn'],
};
const clusterAdminPolicy = {
  PolicyArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/AmazonEKSClusterAdminPolicy$')])] },
};

function onlyResource(template: Template, type: string) {
  const resources = Object.entries(template.findResources(type));
  expect(resources).toHaveLength(1);
  const [[logicalId, resource]] = resources as [[string, { Properties: { Objects: string } } & object]];
  const objects = JSON.parse(resource.Properties.Objects) as { kind: string; metadata: { name: string } }[];
  return { logicalId, resource, names: objects.map(({ kind, metadata }) => `${kind}/${metadata.name}`) };
}

describe('cluster prerequisites', () => {
  it('are applied by a function with no EKS access policy, only the Kubernetes group its RBAC binds', () => {
    // Act
    const { template } = synth();

    // Assess
    const { resource, names } = onlyResource(template, OBJECTS);
    expect(names).toEqual([
      'Namespace/github-runners',
      'ValidatingAdmissionPolicy/eks-runner-autoscaler-runner-pods-github-runners',
      'ValidatingAdmissionPolicyBinding/eks-runner-autoscaler-runner-pods-github-runners',
      'DaemonSet/eks-runner-autoscaler-dockerd-e77021f844',
      'DaemonSet/eks-runner-autoscaler-janitor-e77021f844',
    ]);
    expect(resource).toMatchObject({
      Properties: {
        ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/ClusterPrerequisitesApply/), 'Arn'] },
        ServiceTimeout: '360',
      },
      DependsOn: expect.arrayContaining([expect.stringMatching(/ClusterPrerequisitesAccess/)]),
    });
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: prerequisitesPrincipal,
      KubernetesGroups: [GROUP],
      AccessPolicies: Match.absent(),
    });
    template.resourcePropertiesCountIs(
      'AWS::EKS::AccessEntry',
      { AccessPolicies: Match.arrayWith([Match.objectLike(clusterAdminPolicy)]) },
      0,
    );
    template.resourceCountIs(RBAC, 0);
  });

  it('in a deploy that makes the function cluster-admin, come after its RBAC, which the stack keeps when a later deploy drops it', () => {
    // Act
    const { stack, template } = synth(testConfig(), { prerequisitesClusterAdmin: true });

    // Assess
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: prerequisitesPrincipal,
      KubernetesGroups: [GROUP],
      AccessPolicies: [{ ...clusterAdminPolicy, AccessScope: { Type: 'cluster' } }],
    });
    const rbac = onlyResource(template, RBAC);
    expect(rbac.names).toEqual([
      'Namespace/github-runners',
      'ClusterRole/eks-runner-autoscaler-prerequisites-github-runners',
      'ClusterRoleBinding/eks-runner-autoscaler-prerequisites-github-runners',
      'Role/eks-runner-autoscaler-prerequisites',
      'RoleBinding/eks-runner-autoscaler-prerequisites',
    ]);
    expect(rbac.resource).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      DependsOn: expect.arrayContaining([expect.stringMatching(/ClusterPrerequisitesAccess/)]),
    });
    expect(onlyResource(template, OBJECTS).resource).toMatchObject({
      DependsOn: expect.arrayContaining([rbac.logicalId]),
    });
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp('cluster-admin until a deploy without -c prerequisitesClusterAdmin=true'),
    );
  });

  it('are left alone when the config says they are managed elsewhere', () => {
    // Act
    const base = testConfig();
    const { template } = synth({ ...base, cluster: { ...base.cluster, managePrerequisites: false } });

    // Assess
    template.resourceCountIs(OBJECTS, 0);
    template.resourceCountIs('AWS::Lambda::Function', 4);
  });
});
