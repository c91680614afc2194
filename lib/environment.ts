/**
 * Environment variables the CDK app sets on the functions and the functions read. Both sides import
 * these names, so they cannot drift apart.
 */
export const ENV = {
  /**
   * The validated autoscaler configuration, as JSON, where no bundled config file is: in the local
   * mode's and the tests' runs of a function.
   */
  config: 'AUTOSCALER_CONFIG',
  jobQueueUrl: 'JOB_QUEUE_URL',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
  webhookSecretArn: 'WEBHOOK_SECRET_ARN',
  privateKeySecretArn: 'GITHUB_PRIVATE_KEY_SECRET_ARN',
  /** The EKS cluster, for the function that applies its prerequisites. */
  clusterName: 'EKS_CLUSTER_NAME',
} as const;

/**
 * The validated configuration's file in each function's bundle, beside `index.mjs`. Bundled with
 * the code rather than passed in the environment, which Lambda limits to 4 KB in all: runner
 * classes, pools and Apps do not fit there.
 */
export const CONFIG_FILE = 'autoscaler-config.json';

export function requireEnv(name: string, environment: NodeJS.ProcessEnv = process.env): string {
  const value = environment[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
