import { dirname } from 'node:path';
import { AssetHashType, type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { VpcPlacement } from './clusterConnection.ts';
import { functionBundling } from './functionBundling.ts';

export interface AutoscalerFunctionProps {
  /** The entry point under `functions/`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  /** Files bundled beside the code, by name, such as the configuration. @default none */
  readonly files?: Record<string, string>;
  /** @default 512 */
  readonly memorySize?: number;
  /** Most invocations at once, reserved from the account's concurrency. @default none (the shared pool) */
  readonly reservedConcurrentExecutions?: number;
  /** Days the function's logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Run inside this VPC (for a private cluster endpoint). @default not in a VPC */
  readonly vpcPlacement?: VpcPlacement | undefined;
}

/**
 * A function of the autoscaler: Node 24 on arm64, bundled by the local esbuild (functionBundling.ts),
 * with its own log group and a role that may write only to that log group.
 */
export class AutoscalerFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: AutoscalerFunctionProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    logGroup.grantWrite(this.role);
    if (props.vpcPlacement) {
      // What AWSLambdaVPCAccessExecutionRole grants: ENI management, which IAM cannot scope to resources.
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    this.function = new lambda.Function(this, 'Function', {
      // The package root: esbuild resolves the entry's imports there. Only the bundle is hashed.
      code: lambda.Code.fromAsset(dirname(dirname(props.entry)), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: functionBundling(props.entry, props.files),
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      timeout: props.timeout,
      environment: props.environment,
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...props.vpcPlacement,
    });
  }
}
