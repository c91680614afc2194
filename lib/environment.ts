/**
 * Environment variables the CDK app sets on the functions and the functions read. Both sides import
 * these names, so they cannot drift apart.
 */
export const ENV = {
  /** The validated autoscaler configuration, as JSON. */
  config: 'AUTOSCALER_CONFIG',
  jobQueueUrl: 'JOB_QUEUE_URL',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  webhookSecretArn: 'WEBHOOK_SECRET_ARN',
  privateKeySecretArn: 'GITHUB_PRIVATE_KEY_SECRET_ARN',
  /** The EKS cluster, for the function that applies its prerequisites. */
  clusterName: 'EKS_CLUSTER_NAME',
} as const;

export function requireEnv(name: string, environment: NodeJS.ProcessEnv = process.env): string {
  const value = environment[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
