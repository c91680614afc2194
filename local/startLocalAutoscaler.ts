import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryRedeliveryLedger } from '../lib/adapters/inMemoryRedeliveryLedger.ts';
import { InProcessJobQueue } from '../lib/adapters/inProcessJobQueue.ts';
import type { AutoscalerConfig } from '../lib/config/autoscalerConfig.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Log, RunnerCluster, RunnerRegistry, WebhookDeliveryLog, WebhookSecrets } from '../lib/ports.ts';
import { reconcileRunners } from '../lib/reconciler/reconcileRunners.ts';
import { redeliverFailedWebhooks } from '../lib/reconciler/redeliverFailedWebhooks.ts';
import { processJobRecord } from '../lib/scaler/processJobRecord.ts';
import { newBatchContext } from '../lib/scaler/scalerContext.ts';
import { MetricsRecorder } from '../lib/telemetry/MetricsRecorder.ts';
import { createWebhookHandler } from '../lib/webhook/handleWebhookRequest.ts';
import { LocalStatus, type StatusReport } from './LocalStatus.ts';

const STATUS_PAGE = readFileSync(new URL('./statusPage.html', import.meta.url));

export interface LocalAutoscalerOptions {
  config: AutoscalerConfig;
  webhookSecrets: WebhookSecrets;
  cluster: RunnerCluster;
  registry: RunnerRegistry;
  log: Log;
  /** @default 3000 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** How often the runner pods are counted for the status page and the progress log. @default 5000 */
  statusIntervalMs?: number;
  /** How often the reconciler runs; 0 never runs it (as in `--dry-run`). @default 60000 */
  reconcileIntervalMs?: number;
  /** The App's webhook delivery log, to redeliver failed deliveries from. @default none */
  deliveries?: WebhookDeliveryLog;
}

export interface LocalAutoscaler {
  url: string;
  queue: InProcessJobQueue;
  metrics: MetricsRecorder;
  status: LocalStatus;
  close(): Promise<void>;
}

/**
 * The Lambda pipeline on one machine: an HTTP server in front of the same webhook core, an in-process
 * queue in place of SQS, and the same scaler core behind it.
 */
export async function startLocalAutoscaler(options: LocalAutoscalerOptions): Promise<LocalAutoscaler> {
  const { config, cluster, registry, log } = options;
  const metrics = new MetricsRecorder();
  const queue: InProcessJobQueue = new InProcessJobQueue({
    batchSize: config.scaler.batchSize,
    concurrency: config.scaler.maxConcurrency,
    log,
    consume: async (bodies) => {
      const batch = newBatchContext({ config, cluster, registry, log, metrics });
      const results = await Promise.allSettled(bodies.map((body) => processJobRecord(body, batch, queue)));
      return bodies.filter((_, index) => results[index]?.status === 'rejected');
    },
  });
  const handleWebhook = createWebhookHandler({
    config,
    secrets: { get: async () => options.webhookSecrets },
    queue,
    log,
    metrics,
  });
  const status = new LocalStatus({ config, cluster, queue, metrics });
  const ledger = new InMemoryRedeliveryLedger();
  const stopSampling = repeatEvery(
    options.statusIntervalMs ?? 5000,
    progressLogger(status, log),
    log,
    'count the runner pods',
  );
  const stopReconciling = repeatEvery(
    options.reconcileIntervalMs ?? 60_000,
    async () => {
      const context = { config, cluster, registry, queue, log, metrics, now: () => new Date() };
      await reconcileRunners(context);
      if (options.deliveries)
        await redeliverFailedWebhooks({ ...context, deliveries: options.deliveries, ledger });
    },
    log,
    'reconcile the runner pods',
  );

  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://local').pathname;
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (path === '/status') {
      sendJson(response, status.report());
      return;
    }
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(STATUS_PAGE);
      return;
    }
    if (path !== '/webhook') {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: POST /webhook, GET /status, GET / (the status page) or GET /healthz');
      return;
    }
    const body = await readBody(request, config.webhook.maxBodyBytes);
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : value,
      ]),
    );
    const answer = body
      ? await handleWebhook({ method: request.method ?? 'GET', headers, body })
      : { statusCode: 413, body: `body larger than ${config.webhook.maxBodyBytes} bytes` };
    response.writeHead(answer.statusCode, { 'content-type': 'text/plain; charset=utf-8', ...answer.headers });
    response.end(answer.body);
  });
  await listen(server, options.port ?? 3000, options.host ?? '127.0.0.1');
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address}:${port}`;
  return {
    url,
    queue,
    metrics,
    status,
    close: async () => {
      stopSampling();
      stopReconciling();
      queue.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Counts the runner pods for the status page, and logs a progress line whenever the picture changed,
 * so a long run (a burst, a chaos run) shows how far it got.
 */
function progressLogger(status: LocalStatus, log: Log): () => Promise<void> {
  let lastProgress = '';
  return async () => {
    await status.sample();
    const progress = progressOf(status.report());
    const line = JSON.stringify(progress);
    if (line !== lastProgress) log.info('progress', progress);
    lastProgress = line;
  };
}

/** Runs `work` every `intervalMs`, never two at once, logging a failure and going on; returns a stop. */
function repeatEvery(intervalMs: number, work: () => Promise<unknown>, log: Log, what: string): () => void {
  if (intervalMs <= 0) return () => {};
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await work();
    } catch (error) {
      log.warn(`could not ${what}; trying again in ${intervalMs / 1000} s`, { error: errorMessage(error) });
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function progressOf(report: StatusReport) {
  return {
    jobs: report.jobs,
    runners: report.history.at(-1)?.phases,
    queue: report.queue,
    waitP90Seconds: report.waitTimes.p90,
  };
}

function sendJson(response: ServerResponse, value: unknown): void {
  response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(value));
}

/**
 * The whole body, or undefined when it is larger than the limit. A larger body is read to its end
 * but not kept, so the client gets its 413 instead of a broken connection.
 */
async function readBody(request: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size <= limit ? Buffer.concat(chunks) : undefined;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}
