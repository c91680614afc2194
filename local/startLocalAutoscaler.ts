import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InProcessJobQueue } from '../lib/adapters/inProcessJobQueue.ts';
import type { AutoscalerConfig } from '../lib/config/autoscalerConfig.ts';
import type { Log, RunnerCluster, RunnerRegistry, WebhookSecrets } from '../lib/ports.ts';
import { processJobRecord } from '../lib/scaler/processJobRecord.ts';
import { newBatchContext } from '../lib/scaler/scalerContext.ts';
import { createWebhookHandler } from '../lib/webhook/handleWebhookRequest.ts';

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
}

export interface LocalAutoscaler {
  url: string;
  queue: InProcessJobQueue;
  close(): Promise<void>;
}

/**
 * The Lambda pipeline on one machine: an HTTP server in front of the same webhook core, an in-process
 * queue in place of SQS, and the same scaler core behind it.
 */
export async function startLocalAutoscaler(options: LocalAutoscalerOptions): Promise<LocalAutoscaler> {
  const { config, cluster, registry, log } = options;
  const queue: InProcessJobQueue = new InProcessJobQueue({
    batchSize: config.scaler.batchSize,
    concurrency: config.scaler.maxConcurrency,
    log,
    consume: async (bodies) => {
      const batch = newBatchContext({ config, cluster, registry, log });
      const results = await Promise.allSettled(bodies.map((body) => processJobRecord(body, batch, queue)));
      return bodies.filter((_, index) => results[index]?.status === 'rejected');
    },
  });
  const handleWebhook = createWebhookHandler({
    config,
    secrets: { get: async () => options.webhookSecrets },
    queue,
    log,
  });

  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://local').pathname;
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (path !== '/webhook') {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('not found: POST /webhook or GET /healthz');
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
    close: async () => {
      queue.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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
