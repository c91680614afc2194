import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { eksRunnerCluster } from '../lib/adapters/eksRunnerCluster.ts';
import { EmfMetrics, publishMetrics } from '../lib/adapters/emfMetrics.ts';
import { recordRunnerCensus, takeRunnerCensus } from '../lib/census/takeRunnerCensus.ts';
import { requireEnv } from '../lib/environment.ts';
import { functionConfig } from './functionConfig.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-census' });
const config = functionConfig();
const metrics = new EmfMetrics({ namespace: config.monitoring.metricsNamespace });
const cluster = eksRunnerCluster(config, requireEnv('AWS_REGION'));

/** Scheduled every minute: counts the runner pods by class, phase and problem, for the dashboard. */
export const handler = middy(async (): Promise<void> => {
  const census = takeRunnerCensus(await cluster.listPods(), config.runnerClasses, new Date());
  recordRunnerCensus(census, metrics);
  logger.info('runner census', { census });
})
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics));
