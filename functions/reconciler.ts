import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { eksRunnerCluster } from '../lib/adapters/eksRunnerCluster.ts';
import { EmfMetrics, publishMetrics } from '../lib/adapters/emfMetrics.ts';
import { powertoolsLog } from '../lib/adapters/powertoolsLog.ts';
import { secretKeyRunnerRegistry } from '../lib/adapters/secretKeyRunnerRegistry.ts';
import { SqsJobQueue } from '../lib/adapters/sqsJobQueue.ts';
import { parseConfigText } from '../lib/config/loadConfig.ts';
import { ENV, requireEnv } from '../lib/environment.ts';
import { type ReconcileSummary, reconcileRunners } from '../lib/reconciler/reconcileRunners.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-reconciler' });
const config = parseConfigText(requireEnv(ENV.config), ENV.config);
const metrics = new EmfMetrics({ namespace: config.monitoring.metricsNamespace });
const context = {
  config,
  cluster: eksRunnerCluster(config, requireEnv('AWS_REGION')),
  registry: secretKeyRunnerRegistry({
    github: config.github,
    privateKeySecretArn: requireEnv(ENV.privateKeySecretArn),
    metrics,
  }),
  queue: new SqsJobQueue({
    queueUrl: requireEnv(ENV.jobQueueUrl),
    deadLetterQueueUrl: requireEnv(ENV.deadLetterQueueUrl),
  }),
  log: powertoolsLog(logger),
  metrics,
  now: () => new Date(),
};

/** Scheduled every minute: one pass over the runner pods (see lib/reconciler/reconcileRunners.ts). */
export const handler = middy((): Promise<ReconcileSummary> => reconcileRunners(context))
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics));
