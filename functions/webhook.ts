import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { EmfMetrics, publishMetrics } from '../lib/adapters/emfMetrics.ts';
import { powertoolsLog } from '../lib/adapters/powertoolsLog.ts';
import { SecretsManagerWebhookSecrets } from '../lib/adapters/secretsManagerWebhookSecrets.ts';
import { SqsJobQueue } from '../lib/adapters/sqsJobQueue.ts';
import { ENV, requireEnv } from '../lib/environment.ts';
import { createWebhookHandler, type WebhookRequest } from '../lib/webhook/handleWebhookRequest.ts';
import { functionConfig } from './functionConfig.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-webhook' });
const config = functionConfig();
const metrics = new EmfMetrics({ namespace: config.monitoring.metricsNamespace });
const handleWebhook = createWebhookHandler({
  config,
  secrets: new SecretsManagerWebhookSecrets({
    secretArn: requireEnv(ENV.webhookSecretArn),
  }),
  queue: new SqsJobQueue({ queueUrl: requireEnv(ENV.jobQueueUrl) }),
  log: powertoolsLog(logger),
  metrics,
});

/** Function URL entry point: GitHub delivers every webhook here. */
export const handler = middy(async (event: LambdaFunctionURLEvent): Promise<LambdaFunctionURLResult> => {
  const response = await handleWebhook(toWebhookRequest(event));
  return {
    statusCode: response.statusCode,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...response.headers },
    body: response.body,
  };
})
  .use(injectLambdaContext(logger))
  .use(publishMetrics(metrics));

function toWebhookRequest(event: LambdaFunctionURLEvent): WebhookRequest {
  return {
    method: event.requestContext.http.method,
    headers: event.headers,
    body: Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8'),
  };
}
