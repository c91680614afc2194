import { awsJsonApi } from './awsApi.ts';

const call = awsJsonApi({ service: 'secretsmanager', jsonVersion: '1.1', targetPrefix: 'secretsmanager' });

/** The current string value of a Secrets Manager secret. */
export async function readSecretString(secretId: string): Promise<string | undefined> {
  const { SecretString } = await call<{ SecretString?: string }>('GetSecretValue', { SecretId: secretId });
  return SecretString;
}
