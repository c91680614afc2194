import { CfnOutput, SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface GitHubAppSecretsProps {
  /** ARN or name of an existing secret holding the App private key (PEM). @default a new secret to fill in */
  readonly privateKeySecretArn?: string;
  /** ARN or name of an existing webhook secret. @default a new secret with a generated value */
  readonly webhookSecretArn?: string;
}

/** The GitHub App's private key and webhook secret: imported, or created with instructions. */
export class GitHubAppSecrets extends Construct {
  readonly privateKey: secretsmanager.ISecret;
  readonly webhookSecret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: GitHubAppSecretsProps) {
    super(scope, id);
    this.privateKey = props.privateKeySecretArn
      ? importSecret(this, 'PrivateKey', props.privateKeySecretArn)
      : new secretsmanager.Secret(this, 'PrivateKey', {
          description: 'GitHub App private key (PEM) for eks-runner-autoscaler',
          secretStringValue: SecretValue.unsafePlainText(
            'replace this with the GitHub App private key (PEM)',
          ),
        });
    this.webhookSecret = props.webhookSecretArn
      ? importSecret(this, 'WebhookSecret', props.webhookSecretArn)
      : new secretsmanager.Secret(this, 'WebhookSecret', {
          description: 'GitHub App webhook secret for eks-runner-autoscaler; copy it into the App settings',
          generateSecretString: { passwordLength: 40, excludePunctuation: true },
        });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'GitHub issues both values: a new private key or webhook secret is made in the GitHub App settings, ' +
        'which a Secrets Manager rotation function cannot do. The webhook accepts the previous secret during a rotation.',
    });
    if (!props.privateKeySecretArn) {
      new CfnOutput(this, 'SetPrivateKey', {
        description: 'Store the GitHub App private key before the first job',
        value: `aws secretsmanager put-secret-value --secret-id ${this.privateKey.secretArn} --secret-string file://app-private-key.pem`,
      });
    }
    if (!props.webhookSecretArn) {
      new CfnOutput(this, 'ReadWebhookSecret', {
        description: 'Copy the generated webhook secret into the GitHub App settings',
        value: `aws secretsmanager get-secret-value --secret-id ${this.webhookSecret.secretArn} --query SecretString --output text`,
      });
    }
  }
}

function importSecret(scope: Construct, id: string, arnOrName: string): secretsmanager.ISecret {
  return arnOrName.startsWith('arn:')
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, arnOrName)
    : secretsmanager.Secret.fromSecretNameV2(scope, id, arnOrName);
}
