import { Annotations, CfnOutput, SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface GitHubAppSecretsProps {
  /** ARN or name of an existing secret holding the App private key (PEM). @default a new secret to fill in */
  readonly privateKeySecretArn?: string;
  /** ARN or name of an existing webhook secret. @default a new secret with a generated value */
  readonly webhookSecretArn?: string;
  /** The existing private key secret; not with `privateKeySecretArn`. @default a new secret to fill in */
  readonly privateKey?: secretsmanager.ISecret;
  /** The existing webhook secret; not with `webhookSecretArn`. @default a new secret with a generated value */
  readonly webhookSecret?: secretsmanager.ISecret;
  /** More Apps, each with the ARN or name of its existing private key secret. @default [] */
  readonly additionalApps?: readonly { readonly appId: number; readonly privateKeySecretArn: string }[];
}

/** The GitHub App's private key and webhook secret: passed in, imported, or created with instructions. */
export class GitHubAppSecrets extends Construct {
  readonly privateKey: secretsmanager.ISecret;
  readonly webhookSecret: secretsmanager.ISecret;
  /** The private keys of `additionalApps`, in their order. */
  readonly additionalPrivateKeys: secretsmanager.ISecret[];

  constructor(scope: Construct, id: string, props: GitHubAppSecretsProps) {
    super(scope, id);
    const privateKey = this.existing(
      'PrivateKey',
      props.privateKey,
      props.privateKeySecretArn,
      'privateKeySecret',
      'github.privateKeySecretArn',
    );
    this.privateKey =
      privateKey ??
      new secretsmanager.Secret(this, 'PrivateKey', {
        description: 'GitHub App private key (PEM) for eks-runner-autoscaler',
        secretStringValue: SecretValue.unsafePlainText('replace this with the GitHub App private key (PEM)'),
      });
    const webhookSecret = this.existing(
      'WebhookSecret',
      props.webhookSecret,
      props.webhookSecretArn,
      'webhookSecret',
      'github.webhookSecretArn',
    );
    this.webhookSecret =
      webhookSecret ??
      new secretsmanager.Secret(this, 'WebhookSecret', {
        description: 'GitHub App webhook secret for eks-runner-autoscaler; copy it into the App settings',
        generateSecretString: { passwordLength: 40, excludePunctuation: true },
      });
    this.additionalPrivateKeys = (props.additionalApps ?? []).map(
      ({ appId, privateKeySecretArn }) =>
        this.existing(
          `App${appId}PrivateKey`,
          undefined,
          privateKeySecretArn,
          'privateKeySecret',
          'github.additionalApps',
        ) as secretsmanager.ISecret,
    );
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'GitHub issues both values: a new private key or webhook secret is made in the GitHub App settings, ' +
        'which a Secrets Manager rotation function cannot do. The webhook accepts the previous secret during a rotation.',
    });
    if (!privateKey) {
      new CfnOutput(this, 'SetPrivateKey', {
        description: 'Store the GitHub App private key before the first job',
        value: `aws secretsmanager put-secret-value --secret-id ${this.privateKey.secretArn} --secret-string file://app-private-key.pem`,
      });
    }
    if (!webhookSecret) {
      new CfnOutput(this, 'ReadWebhookSecret', {
        description: 'Copy the generated webhook secret into the GitHub App settings',
        value: `aws secretsmanager get-secret-value --secret-id ${this.webhookSecret.secretArn} --query SecretString --output text`,
      });
    }
  }

  /** The secret passed as an object or named by ARN or name, if either is; both is an error. */
  private existing(
    id: string,
    given: secretsmanager.ISecret | undefined,
    arnOrName: string | undefined,
    propName: string,
    configField: string,
  ): secretsmanager.ISecret | undefined {
    if (given && arnOrName) {
      Annotations.of(this).addError(
        `two secrets for one: \`${propName}\` and \`${configField}\` in the config; give one`,
      );
    }
    if (given || !arnOrName) return given;
    return arnOrName.startsWith('arn:')
      ? secretsmanager.Secret.fromSecretCompleteArn(this, id, arnOrName)
      : secretsmanager.Secret.fromSecretNameV2(this, id, arnOrName);
  }
}
