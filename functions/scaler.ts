import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { eksRunnerCluster } from '../lib/adapters/eksRunnerCluster.ts';
import { EmfMetrics, publishMetrics } from '../lib/adapters/emfMetrics.ts';
import { GitHubRunnerRegistry } from '../lib/adapters/githubRunnerRegistry.ts';
import { powertoolsLog } from '../lib/adapters/powertoolsLog.ts';
import { readSecretString } from '../lib/adapters/secretsManager.ts';
import { SqsJobQueue } from '../lib/adapters/sqsJobQueue.ts';
import { parseConfigText } from '../lib/config/loadConfig.ts';
import { ENV, requireEnv } from '../lib/environment.ts';
import { AutoscalerError } from '../lib/errors.ts';
import type { RunnerRegistry } from '../lib/ports.ts';
import { createScalerHandler } from '../lib/scaler/createScalerHandler.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-scaler' });
const config = parseConfigText(requireEnv(ENV.config), ENV.config);
const metrics = new EmfMetrics({ namespace: config.monitoring.metricsNamespace });

/** SQS entry point: each record is one job message. */
export const handler = middy(
  createScalerHandler({
    config,
    queue: new SqsJobQueue({
      queueUrl: requireEnv(ENV.jobQueueUrl),
      deadLetterQueueUrl: requireEnv(ENV.deadLetterQueueUrl),
    }),
    cluster: eksRunnerCluster(config, requireEnv('AWS_REGION')),
    registry: lazyRegistry(),
    log: powertoolsLog(logger),
    metrics,
  }),
)
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics));

/** The App's private key is read on first use, so an empty secret fails records (retried), not the function. */
function lazyRegistry(): RunnerRegistry {
  let registry: Promise<RunnerRegistry> | undefined;
  const get = () => {
    registry ??= loadPrivateKey().then(
      (privateKey) => new GitHubRunnerRegistry({ github: config.github, privateKey, metrics }),
    );
    registry.catch(() => {
      registry = undefined;
    });
    return registry;
  };
  return {
    register: async (request) => (await get()).register(request),
    runnerState: async (runner) => (await get()).runnerState(runner),
    deregister: async (runner) => (await get()).deregister(runner),
    jobStatus: async (job) => (await get()).jobStatus(job),
  };
}

async function loadPrivateKey(): Promise<string> {
  const secretArn = requireEnv(ENV.privateKeySecretArn);
  const privateKey = await readSecretString(secretArn);
  if (!privateKey?.includes('PRIVATE KEY')) {
    throw new AutoscalerError(
      `secret ${secretArn} holds no PEM private key: store the GitHub App's private key in it`,
      { kind: 'aws', retryable: true },
    );
  }
  return privateKey;
}
