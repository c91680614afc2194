import { pathToFileURL } from 'node:url';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import type { AutoscalerConfig } from '../lib/config/autoscalerConfig.ts';
import { MetricsRecorder } from '../lib/telemetry/MetricsRecorder.ts';
import { createWebhookHandler } from '../lib/webhook/handleWebhookRequest.ts';
import { jobMessage } from '../test/helpers/factories.ts';
import { queuedJob } from '../test/helpers/hostileRequests.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../test/helpers/webhookRequests.ts';
import { summarize } from './statistics.ts';

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

/** A run's worth of distinct queued deliveries, signed beforehand so signing is not timed. */
async function queuedDeliveries(count: number) {
  const template = queuedJob();
  return Promise.all(
    Array.from({ length: count }, (_, index) => {
      const job = {
        ...template,
        workflow_job: { ...template.workflow_job, id: template.workflow_job.id + index },
      };
      return signedDelivery(job, { deliveryId: `bench-${index}` });
    }),
  );
}

/**
 * Our own work per queued delivery, everything but the SQS round trip: header checks, HMAC, JSON
 * parse, payload check, routing and building the message, with a queue that returns at once.
 */
export async function measureOwnWork(config: AutoscalerConfig, deliveries: number) {
  const handle = createWebhookHandler({
    config,
    secrets: { get: async () => ({ current: WEBHOOK_SECRET }) },
    queue: { send: async () => {} },
    log: silentLog,
    metrics: new MetricsRecorder(),
  });
  const requests = await queuedDeliveries(deliveries);
  for (const request of requests.slice(0, 500)) await handle(request);
  const micros: number[] = [];
  for (const request of requests) {
    const start = process.hrtime.bigint();
    const response = await handle(request);
    micros.push(Number(process.hrtime.bigint() - start) / 1000);
    if (response.statusCode !== 202) throw new Error(`unexpected ${response.statusCode}: ${response.body}`);
  }
  return summarize(micros);
}

/**
 * The deployed webhook bundle, in process, answering Function URL events one after another as one
 * Lambda instance does, each ending with a real SendMessage to SQS on loopback.
 */
export async function measureDeployedWebhook(bundlePath: string, deliveries: number) {
  const { handler } = (await import(pathToFileURL(bundlePath).href)) as {
    handler: (event: LambdaFunctionURLEvent, context: object) => Promise<LambdaFunctionURLResult>;
  };
  const events = (await queuedDeliveries(deliveries)).map(
    (request) =>
      ({
        headers: request.headers,
        isBase64Encoded: true,
        body: Buffer.from(request.body).toString('base64'),
        requestContext: { http: { method: 'POST' } },
      }) as unknown as LambdaFunctionURLEvent,
  );
  const context = { functionName: 'webhook', awsRequestId: 'bench' };
  for (const event of events.slice(0, 200)) await handler(event, context);
  const millis: number[] = [];
  const started = performance.now();
  for (const event of events) {
    const start = performance.now();
    const response = (await handler(event, context)) as { statusCode: number; body: string };
    millis.push(performance.now() - start);
    if (response.statusCode !== 202) throw new Error(`unexpected ${response.statusCode}: ${response.body}`);
  }
  const seconds = (performance.now() - started) / 1000;
  return { ...summarize(millis), perSecond: deliveries / seconds };
}

/** The bare SendMessage round trip to the same SQS peer, for comparison with the whole delivery. */
export async function measureSqsRoundTrip(queueUrl: string, sends: number) {
  const { SqsJobQueue } = await import('../lib/adapters/sqsJobQueue.ts');
  const queue = new SqsJobQueue({ queueUrl });
  const message = jobMessage();
  const millis: number[] = [];
  for (let index = 0; index < sends + 100; index++) {
    const start = performance.now();
    await queue.send(message);
    if (index >= 100) millis.push(performance.now() - start);
  }
  return summarize(millis);
}
