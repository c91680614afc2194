import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { errorMessage } from '../errors.ts';
import type { JobMessage } from '../jobMessage.ts';
import type { JobQueue, Log, Metrics, WebhookSecretSource } from '../ports.ts';
import type { IgnoreReason, RejectReason } from '../telemetry/metricCatalog.ts';
import { secondsBetween } from '../util/secondsBetween.ts';
import { routeWorkflowJob } from './routeWorkflowJob.ts';
import { verifySignature } from './verifySignature.ts';
import { workflowJobEventSchema } from './workflowJobEvent.ts';

/** An HTTP request as any runtime can supply it. Header names are lower-case. */
export interface WebhookRequest {
  method: string;
  headers: Record<string, string | undefined>;
  body: Uint8Array;
}

export interface WebhookResponse {
  statusCode: number;
  body: string;
  headers?: Record<string, string>;
}

export interface WebhookDependencies {
  config: Pick<AutoscalerConfig, 'github' | 'runnerClasses' | 'webhook'>;
  secrets: WebhookSecretSource;
  queue: Pick<JobQueue, 'send'>;
  log: Log;
  metrics: Metrics;
}

const reply = (statusCode: number, body: string, headers?: Record<string, string>): WebhookResponse =>
  headers ? { statusCode, body, headers } : { statusCode, body };

/**
 * Answers one GitHub webhook delivery: checks it, verifies its signature on the raw bytes before
 * anything reads them, and queues the `workflow_job` events a runner class serves.
 */
export function createWebhookHandler(
  dependencies: WebhookDependencies,
): (request: WebhookRequest) => Promise<WebhookResponse> {
  const { config, secrets, queue, log, metrics } = dependencies;

  return async (request) => {
    if (request.method !== 'POST') return reject('method', 405, 'only POST is accepted', { allow: 'POST' });
    const contentType = request.headers['content-type'] ?? '';
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      return reject(
        'content-type',
        415,
        'form-encoded webhooks are not supported: set the content type to application/json',
      );
    }
    if (request.body.byteLength > config.webhook.maxBodyBytes) {
      return reject('too-large', 413, `body larger than ${config.webhook.maxBodyBytes} bytes`);
    }
    const signature = request.headers['x-hub-signature-256'];
    const event = request.headers['x-github-event'];
    const deliveryId = request.headers['x-github-delivery'];
    if (!signature) return reject('headers', 400, 'missing X-Hub-Signature-256 header');
    if (!event) return reject('headers', 400, 'missing X-GitHub-Event header');
    if (!deliveryId) return reject('headers', 400, 'missing X-GitHub-Delivery header');

    let check = await verifySignature(request.body, signature, await secrets.get());
    if (!check.valid && check.reason === 'signature') {
      // The secret may have been rotated since we cached it.
      check = await verifySignature(request.body, signature, await secrets.get({ refresh: true }));
    }
    if (!check.valid) {
      log.warn('webhook rejected', { deliveryId, event, reason: `bad ${check.reason}` });
      return check.reason === 'encoding'
        ? reject('payload', 400, 'body is not UTF-8')
        : reject('signature', 401, 'signature does not match the webhook secret');
    }

    if (event === 'ping') return reply(200, 'pong');
    if (event !== 'workflow_job') return ignored('event', `event ${event}`, deliveryId);

    let payload: unknown;
    try {
      payload = JSON.parse(check.body);
    } catch {
      return reject('payload', 400, 'body is not valid JSON');
    }
    const parsed = workflowJobEventSchema.safeParse(payload);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') ?? '';
      return reject(
        'payload',
        400,
        `not a workflow_job payload: ${field} ${parsed.error.issues[0]?.message ?? ''}`.trim(),
      );
    }

    const receivedAt = new Date().toISOString();
    const route = routeWorkflowJob(parsed.data, { id: deliveryId, receivedAt }, config);
    if ('ignore' in route)
      return ignored(route.reason, route.ignore, deliveryId, parsed.data.workflow_job.id);
    const message = route.enqueue;
    try {
      await queue.send(message);
    } catch (error) {
      log.error('could not queue job', { deliveryId, jobId: message.jobId, error: errorMessage(error) });
      metrics.record('Errors', 1, { Kind: 'aws' });
      return reply(503, 'could not queue the job; redeliver it');
    }
    log.info('job queued', {
      deliveryId,
      jobId: message.jobId,
      action: message.action,
      runnerClass: message.runnerClass,
    });
    recordJobEvent(message);
    return reply(202, `queued ${message.action} job ${message.jobId} for ${message.runnerClass}`);
  };

  function ignored(
    reason: IgnoreReason,
    detail: string,
    deliveryId: string,
    jobId?: number,
  ): WebhookResponse {
    log.info('webhook ignored', { deliveryId, jobId, reason: detail });
    metrics.record('WebhooksIgnored', 1, { Reason: reason });
    return reply(202, `ignored: ${detail}`);
  }

  function reject(
    reason: RejectReason,
    statusCode: number,
    body: string,
    headers?: Record<string, string>,
  ): WebhookResponse {
    metrics.record('WebhooksRejected', 1, { Reason: reason });
    return reply(statusCode, body, headers);
  }

  function recordJobEvent(message: JobMessage): void {
    const dimensions = { RunnerClass: message.runnerClass };
    if (message.action === 'queued') metrics.record('JobsQueued', 1, dimensions);
    if (message.action === 'completed') metrics.record('JobsCompleted', 1, dimensions);
    if (message.action !== 'in_progress') return;
    metrics.record('JobsStarted', 1, dimensions);
    const waitSeconds = secondsBetween(message.createdAt, message.startedAt);
    if (waitSeconds !== undefined) metrics.record('JobWaitTime', waitSeconds, dimensions);
  }
}
