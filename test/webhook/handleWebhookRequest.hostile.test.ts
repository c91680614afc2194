import { describe, expect, it } from 'vitest';
import type { JobMessage } from '../../lib/jobMessage.ts';
import type { WebhookSecrets } from '../../lib/ports.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { createWebhookHandler } from '../../lib/webhook/handleWebhookRequest.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { testConfig } from '../helpers/factories.ts';
import { hostileRequests, queuedJob } from '../helpers/hostileRequests.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';

const config = testConfig({
  github: { appId: 1, allowedOrgs: ['acme'] },
  webhook: { maxBodyBytes: 16_384 },
});

function newHandler(secrets: { current: string; previous?: string } = { current: WEBHOOK_SECRET }) {
  const queued: JobMessage[] = [];
  const log = captureLog();
  const metrics = new MetricsRecorder();
  let fetches = 0;
  const handle = createWebhookHandler({
    config,
    secrets: {
      get: async (): Promise<WebhookSecrets> => {
        fetches += 1;
        return secrets;
      },
    },
    queue: { send: async (message) => void queued.push(message) },
    log,
    metrics,
  });
  return { handle, queued, log, metrics, fetches: () => fetches };
}

describe('webhook handler against hostile requests', () => {
  it.each(hostileRequests(16_384))(
    'answers %s with %d, queues nothing and counts it as rejected',
    async (_, makeRequest, status, body, reason) => {
      // Prepare
      const { handle, queued, metrics } = newHandler();

      // Act
      const response = await handle(await makeRequest());

      // Assess
      expect(response.statusCode).toBe(status);
      expect(response.body).toMatch(body);
      expect(queued).toEqual([]);
      expect(metrics.points('WebhooksRejected')).toEqual([
        expect.objectContaining({ value: 1, dimensions: { Reason: reason } }),
      ]);
    },
  );

  it('logs a rejected signature without the secret or the signature', async () => {
    // Prepare
    const { handle, log } = newHandler();
    const request = await signedDelivery(queuedJob(), { secret: 'attacker guess' });

    // Act
    await handle(request);

    // Assess
    expect(log.lines).toEqual([expect.objectContaining({ level: 'warn', message: 'webhook rejected' })]);
    expect(log.text()).not.toContain(WEBHOOK_SECRET);
    expect(log.text()).not.toContain(request.headers['x-hub-signature-256']);
  });

  it('fetches the secret again once after a mismatch, in case it was rotated', async () => {
    // Prepare
    const { handle, fetches } = newHandler();

    // Act
    await handle(await signedDelivery(queuedJob(), { secret: 'wrong' }));

    // Assess
    expect(fetches()).toBe(2);
  });
});

describe('webhook handler on genuine deliveries', () => {
  it('answers ping with 200', async () => {
    const { handle, queued } = newHandler();
    const response = await handle(
      await signedDelivery({ zen: 'Keep it logically awesome.' }, { event: 'ping' }),
    );
    expect(response).toMatchObject({ statusCode: 200, body: 'pong' });
    expect(queued).toEqual([]);
  });

  it('ignores other events with 202 and the reason', async () => {
    const { handle, queued } = newHandler();
    const response = await handle(await signedDelivery({ action: 'opened' }, { event: 'pull_request' }));
    expect(response).toMatchObject({ statusCode: 202, body: 'ignored: event pull_request' });
    expect(queued).toEqual([]);
  });

  it('ignores an organisation outside the allow list', async () => {
    const { handle, queued } = newHandler();
    const job = { ...queuedJob(), organization: { login: 'other-org' } };
    const response = await handle(await signedDelivery(job));
    expect(response).toMatchObject({
      statusCode: 202,
      body: 'ignored: organization other-org is not allowed',
    });
    expect(queued).toEqual([]);
  });

  it('queues a job signed with the previous secret during a rotation', async () => {
    const { handle, queued } = newHandler({ current: 'new secret', previous: WEBHOOK_SECRET });
    const response = await handle(await signedDelivery(queuedJob()));
    expect(response.statusCode).toBe(202);
    expect(queued).toHaveLength(1);
  });

  it('answers 503 when the queue refuses the job, so the delivery shows as failed on GitHub', async () => {
    // Prepare
    const log = captureLog();
    const metrics = new MetricsRecorder();
    const handle = createWebhookHandler({
      config,
      secrets: { get: async () => ({ current: WEBHOOK_SECRET }) },
      queue: {
        send: async () => {
          throw new Error('SQS unavailable');
        },
      },
      log,
      metrics,
    });

    // Act
    const response = await handle(await signedDelivery(queuedJob()));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'could not queue job',
        attributes: expect.objectContaining({ error: 'Error: SQS unavailable' }),
      }),
    );
  });
});
