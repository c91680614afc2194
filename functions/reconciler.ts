import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { eksClusterApi } from '../lib/adapters/eksRunnerCluster.ts';
import { EmfMetrics, publishMetrics } from '../lib/adapters/emfMetrics.ts';
import { secretKeyGitHubApps } from '../lib/adapters/gitHubApps.ts';
import { KubernetesRedeliveryLedger } from '../lib/adapters/kubernetesRedeliveryLedger.ts';
import { KubernetesRunnerCluster } from '../lib/adapters/kubernetesRunnerCluster.ts';
import { powertoolsLog } from '../lib/adapters/powertoolsLog.ts';
import { SqsJobQueue } from '../lib/adapters/sqsJobQueue.ts';
import { ENV, requireEnv } from '../lib/environment.ts';
import { reconcileRunners } from '../lib/reconciler/reconcileRunners.ts';
import { redeliverFailedWebhooks } from '../lib/reconciler/redeliverFailedWebhooks.ts';
import { functionConfig } from './functionConfig.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-reconciler' });
const config = functionConfig();
const metrics = new EmfMetrics({ namespace: config.monitoring.metricsNamespace });
const gitHubApp = secretKeyGitHubApps({
  github: config.github,
  privateKeySecretArn: requireEnv(ENV.privateKeySecretArn),
  metrics,
});
const api = eksClusterApi(config, requireEnv('AWS_REGION'));
const context = {
  config,
  cluster: new KubernetesRunnerCluster({ namespace: config.cluster.namespace, api }),
  ledger: new KubernetesRedeliveryLedger({ namespace: config.cluster.namespace, api }),
  registry: gitHubApp.registry,
  deliveries: gitHubApp.deliveries,
  queue: new SqsJobQueue({
    queueUrl: requireEnv(ENV.jobQueueUrl),
    deadLetterQueueUrl: requireEnv(ENV.deadLetterQueueUrl),
  }),
  log: powertoolsLog(logger),
  metrics,
  now: () => new Date(),
};

/**
 * Scheduled every minute: one pass over the runner pods (lib/reconciler/reconcileRunners.ts), then
 * failed webhook deliveries are asked for again (lib/reconciler/redeliverFailedWebhooks.ts).
 */
export const handler = middy(async () => {
  // Each goes ahead whatever becomes of the other; a failure still fails the run, for the alarm.
  const [runners, webhooks] = await Promise.allSettled([
    reconcileRunners(context),
    redeliverFailedWebhooks(context),
  ]);
  for (const outcome of [runners, webhooks]) if (outcome.status === 'rejected') throw outcome.reason;
  return { runners, webhooks };
})
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics));
