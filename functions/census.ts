import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { EKSClient } from '@aws-sdk/client-eks';
import middy from '@middy/core';
import { eksCoreApi } from '../lib/adapters/eksCoreApi.ts';
import { EmfMetrics, publishMetrics } from '../lib/adapters/emfMetrics.ts';
import { KubernetesRunnerCluster } from '../lib/adapters/kubernetesRunnerCluster.ts';
import { recordRunnerCensus, takeRunnerCensus } from '../lib/census/takeRunnerCensus.ts';
import { parseConfigText } from '../lib/config/loadConfig.ts';
import { ENV, requireEnv } from '../lib/environment.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-census' });
const config = parseConfigText(requireEnv(ENV.config), ENV.config);
const eks = new EKSClient({});
const metrics = new EmfMetrics({ namespace: config.monitoring.metricsNamespace });
const cluster = new KubernetesRunnerCluster({
  namespace: config.cluster.namespace,
  api: eksCoreApi({
    clusterName: config.cluster.name,
    region: requireEnv('AWS_REGION'),
    eks,
    credentials: eks.config.credentials,
  }),
});

/** Scheduled every minute: counts the runner pods by class, phase and problem, for the dashboard. */
export const handler = middy(async (): Promise<void> => {
  const census = takeRunnerCensus(await cluster.listPods(), config.runnerClasses);
  recordRunnerCensus(census, metrics);
  logger.info('runner census', { census });
})
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics));
