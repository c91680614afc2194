import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { eksRunnerCluster } from '../lib/adapters/eksRunnerCluster.ts';
import { EmfMetrics, publishMetrics } from '../lib/adapters/emfMetrics.ts';
import { secretKeyGitHubApps } from '../lib/adapters/gitHubApps.ts';
import { powertoolsLog } from '../lib/adapters/powertoolsLog.ts';
import { SqsJobQueue } from '../lib/adapters/sqsJobQueue.ts';
import { ENV, requireEnv } from '../lib/environment.ts';
import { createScalerHandler } from '../lib/scaler/createScalerHandler.ts';
import { functionConfig } from './functionConfig.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-scaler' });
const config = functionConfig();
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
    registry: secretKeyGitHubApps({
      github: config.github,
      privateKeySecretArn: requireEnv(ENV.privateKeySecretArn),
      metrics,
    }).registry,
    log: powertoolsLog(logger),
    metrics,
  }),
)
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics));
