import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ENV } from '../../lib/environment.ts';
import { exampleConfigInput } from '../helpers/factories.ts';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const NODE_24 = join(REPO, 'node_modules/.bin/node');
const TSC = join(REPO, 'node_modules/.bin/tsc');
const PRIVATE_KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:platform/gh-key-AbCdEf';

const installedVersion = (name: string): string =>
  JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version;

/** An infra team's own CDK app: its cluster, VPC, security group, secret and topic, and the construct. */
const CONSUMER_APP = `
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { parseConfig, RunnerAutoscaler, type RunnerAutoscalerProps } from 'eks-runner-autoscaler';

const app = new App();
const stack = new Stack(app, 'Platform', { env: { account: '111111111111', region: 'eu-west-1' } });
const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0platform',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0a', 'subnet-0b'],
});
const props: RunnerAutoscalerProps = {
  config: parseConfig(${JSON.stringify(settingsInput())}),
  cluster: eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'platform-cluster' }),
  vpc,
  vpcSubnets: { subnets: vpc.privateSubnets },
  securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'EndpointAccess', 'sg-0endpoint')],
  privateKeySecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', '${PRIVATE_KEY_ARN}'),
  alarmTopic: sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:eu-west-1:111111111111:on-call'),
};
// @ts-expect-error The props are typed from the shipped declarations, not any.
const _wrong: RunnerAutoscalerProps = { ...props, vpc: 'vpc-0platform' };
new RunnerAutoscaler(stack, 'Runners', props);
app.synth();
`;

/** The example config without the cluster name, which the app passes as an object. */
function settingsInput() {
  const input = exampleConfigInput();
  const { name: _name, ...cluster } = input.cluster;
  return { ...input, cluster };
}

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('the packed package, installed into another CDK app', () => {
  it('builds the construct there from CDK objects, bundling the functions', {
    timeout: 600_000,
  }, async () => {
    // Prepare
    const packed = mkdtempSync(join(tmpdir(), 'eks-runner-autoscaler-pack-'));
    await run('npm', ['pack', '--silent', '--pack-destination', packed], { cwd: REPO });
    const [tarball] = readdirSync(packed).filter((name) => name.endsWith('.tgz'));
    const consumer = mkdtempSync(join(tmpdir(), 'eks-runner-autoscaler-consumer-'));
    // Removing the consumer's node_modules takes more than the default 10 s on a busy machine.
    onTestFinished(() => {
      for (const folder of [packed, consumer]) rmSync(folder, { recursive: true, force: true });
    }, 120_000);
    const dependencies = Object.fromEntries(
      ['aws-cdk-lib', 'constructs', 'esbuild', '@types/node'].map((name) => [name, installedVersion(name)]),
    );
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({
        name: 'platform-infra',
        private: true,
        type: 'module',
        dependencies: { ...dependencies, 'eks-runner-autoscaler': `file:${join(packed, String(tarball))}` },
      }),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2024',
          // aws-cdk-lib's own declarations use Disposable.
          lib: ['es2024', 'esnext.disposable'],
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    writeFileSync(join(consumer, 'app.ts'), CONSUMER_APP);
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: consumer,
    });
    const outdir = join(consumer, 'cdk.out');

    // Act
    await run(TSC, ['-p', consumer]);
    await run(NODE_24, ['app.ts'], { cwd: consumer, env: { ...process.env, CDK_OUTDIR: outdir } });

    // Assess
    const template = JSON.parse(readFileSync(join(outdir, 'Platform.template.json'), 'utf8'));
    const functions = (Object.values(template.Resources) as Resource[]).filter(
      ({ Type }) => Type === 'AWS::Lambda::Function',
    );
    expect(functions).toHaveLength(5);
    const inVpc = functions.filter(({ Properties }) => Properties.VpcConfig);
    expect(inVpc.map(({ Properties }) => Properties.VpcConfig)).toEqual(
      Array(4).fill({ SubnetIds: ['subnet-0a', 'subnet-0b'], SecurityGroupIds: ['sg-0endpoint'] }),
    );
    const variables = functions.map(
      ({ Properties }) => (Properties.Environment as { Variables: Record<string, unknown> }).Variables,
    );
    expect(variables.filter((each) => each[ENV.privateKeySecretArn] === PRIVATE_KEY_ARN)).toHaveLength(2);
    const configs = variables.flatMap((each) =>
      each[ENV.config] ? [JSON.parse(String(each[ENV.config]))] : [],
    );
    expect(configs.map(({ cluster }) => cluster.name)).toEqual(Array(4).fill('platform-cluster'));
    for (const { Properties } of functions) {
      const asset = String((Properties.Code as { S3Key: string }).S3Key).replace('.zip', '');
      expect(statSync(join(outdir, `asset.${asset}`, 'index.mjs')).size).toBeGreaterThan(10_000);
    }
  });
});
