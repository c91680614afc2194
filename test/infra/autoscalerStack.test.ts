import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/config/loadConfig.ts';
import { ENV } from '../../lib/environment.ts';
import { testConfig } from '../helpers/factories.ts';
import { synth } from '../helpers/synthStack.ts';

describe('AutoscalerStack', () => {
  const { template } = synth();

  it('serves the webhook from a Function URL with no AWS auth, as GitHub cannot sign requests', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    template.hasOutput('WebhookUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('Webhook'), 'FunctionUrl'] },
    });
  });

  it("reserves the webhook its configured concurrency, so a flood on its public URL cannot take the account's", () => {
    // Act
    const { template: configured } = synth(testConfig({ webhook: { reservedConcurrency: 120 } }));

    // Assess
    const webhook = { Description: Match.stringLikeRegexp('^eks-runner-autoscaler webhook:') };
    template.hasResourceProperties('AWS::Lambda::Function', { ...webhook, ReservedConcurrentExecutions: 50 });
    configured.hasResourceProperties('AWS::Lambda::Function', {
      ...webhook,
      ReservedConcurrentExecutions: 120,
    });
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: Match.anyValue() },
      1,
    );
  });

  it('runs all five functions on Node 24', () => {
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs24.x' }, 5);
  });

  it('has an encrypted, TLS-only job queue whose visibility timeout is six times the scaler timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 360,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      2,
    );
  });

  it('feeds the scaler from the queue with partial batch responses and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('grants the scaler edit rights in the runner namespace only, through an EKS access entry', () => {
    template.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: 'build-cluster',
      Type: 'STANDARD',
      AccessPolicies: [
        {
          PolicyArn: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':eks::aws:cluster-access-policy/AmazonEKSEditPolicy'],
            ],
          },
          AccessScope: { Type: 'namespace', Namespaces: ['github-runners'] },
        },
      ],
    });
  });

  it('lets the scaler describe only its own cluster', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'eks:DescribeCluster',
            Resource: {
              'Fn::Join': ['', Match.arrayWith([':eks:eu-west-1:111111111111:cluster/build-cluster'])],
            },
          }),
        ]),
      },
    });
  });

  it('passes resource names through the shared environment names, and the config in no environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.webhookSecretArn]: Match.anyValue() }) },
    });
    const variables = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (fn) =>
        (fn as { Properties: { Environment?: { Variables?: object } } }).Properties.Environment?.Variables ??
        {},
    );
    expect(variables.filter((each) => ENV.config in each)).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.deadLetterQueueUrl]: Match.anyValue(),
          [ENV.privateKeySecretArn]: Match.anyValue(),
        }),
      },
    });
  });

  it('creates the two secrets when none are given, with instructions as outputs', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    expect(JSON.stringify(template.findOutputs('*'))).toContain(
      'aws secretsmanager put-secret-value --secret-id',
    );
  });

  it('imports existing secrets instead of creating them', () => {
    // Act
    const { template: imported } = synth(
      testConfig({
        github: {
          appId: 1,
          privateKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:gh-key-AbCdEf',
          webhookSecretArn: 'gh-webhook',
        },
      }),
    );

    // Assess
    imported.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  it("lets the scaler and the reconciler, and no other function, read each additional App's key", () => {
    // Act
    const additionalKey = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:gh-key-2-AbCdEf';
    const { template: twoApps } = synth(
      testConfig({
        github: { appId: 1, additionalApps: [{ appId: 2, privateKeySecretArn: additionalKey }] },
      }),
    );

    // Assess
    const readers = Object.entries(twoApps.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) => JSON.stringify(policy).includes(additionalKey))
      .map(([id]) => id.replace(/RoleDefaultPolicy.*$/, ''));
    expect(readers.sort()).toEqual(['AutoscalerReconciler', 'AutoscalerScaler']);
    const readAction = Object.values(twoApps.findResources('AWS::IAM::Policy'))
      .flatMap(
        (policy) =>
          (
            policy as {
              Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } };
            }
          ).Properties.PolicyDocument.Statement,
      )
      .filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify(additionalKey));
    expect(readAction.map((statement) => statement.Action)).toEqual([
      ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    ]);
  });

  it('places the scaler in the cluster VPC when the endpoint is private', () => {
    // Act
    const base = testConfig();
    const { template: private_ } = synth({
      ...base,
      cluster: {
        ...base.cluster,
        vpc: {
          vpcId: 'vpc-1',
          subnetIds: ['subnet-a', 'subnet-b'],
          availabilityZones: ['eu-west-1a', 'eu-west-1b'],
          securityGroupId: 'sg-1',
        },
      },
    });

    // Assess
    private_.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
    });
  });

  it("takes a configuration far larger than Lambda's 4 KB of environment", () => {
    // Prepare
    const base = testConfig();
    const runnerClass = base.runnerClasses[0];
    if (!runnerClass) throw new Error('no class');
    const many = Array.from({ length: 40 }, (_, index) => ({
      ...runnerClass,
      name: `class-${index}`,
      labels: [...runnerClass.labels, `pool-${index}`],
    }));

    // Act
    const { stack } = synth({ ...base, runnerClasses: many });

    // Assess
    expect(JSON.stringify({ ...base, runnerClasses: many }).length).toBeGreaterThan(4096 * 4);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(stack.autoscaler.functionConfig.runnerClasses).toHaveLength(40);
  });

  it('fits the shipped example, with its scheduled warm pool, in the Lambda environment', () => {
    // Prepare
    const example = loadConfigFile(new URL('../../autoscaler.config.example.json', import.meta.url).pathname);

    // Act
    const { stack } = synth(example);

    // Assess
    expect(example.runnerClasses[0]?.pool?.schedules).toHaveLength(2);
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('4096-byte limit'))).toEqual(
      [],
    );
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  it('finds nothing that is not acknowledged with a reason', () => {
    // Prepare
    const { app, stack } = synth();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    app.synth();

    // Assess
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions'))).toEqual([]);
  });
});
