import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synth } from '../helpers/synthStack.ts';

describe('reconciler', () => {
  const { template } = synth();
  const reconcilerRole = { 'Fn::GetAtt': [Match.stringLikeRegexp('Reconciler'), 'Arn'] };

  it('runs every minute, may manage runner pods in the runner namespace only, and may queue jobs', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReconcilerFunction'), 'Arn'] } }),
      ],
    });
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: reconcilerRole,
      AccessPolicies: [
        Match.objectLike({
          PolicyArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AmazonEKSEditPolicy')])] },
          AccessScope: { Type: 'namespace', Namespaces: ['github-runners'] },
        }),
      ],
    });
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')).filter((resource) =>
      JSON.stringify(resource.Properties.Roles).includes('Reconciler'),
    );
    const statements = JSON.stringify(policy?.Properties.PolicyDocument.Statement);
    expect(statements).toContain('sqs:SendMessage');
    expect(statements).toContain('QueueJobs');
    expect(statements).toContain('QueueDeadLetters');
    expect(statements).toContain('secretsmanager:GetSecretValue');
  });
});

describe('census', () => {
  const { template } = synth();

  it('runs every minute, with read-only access to the runner namespace', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Census'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Census'), 'Arn'] },
      AccessPolicies: [
        Match.objectLike({
          PolicyArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AmazonEKSViewPolicy')])] },
          AccessScope: { Type: 'namespace', Namespaces: ['github-runners'] },
        }),
      ],
    });
  });
});
