import { describe, expect, it } from 'vitest';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { createWebhookHandler } from '../../lib/webhook/handleWebhookRequest.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { testConfig } from '../helpers/factories.ts';
import { queuedJob } from '../helpers/hostileRequests.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';

function newHandler() {
  const metrics = new MetricsRecorder();
  const queued: JobMessage[] = [];
  const handle = createWebhookHandler({
    config: testConfig(),
    secrets: { get: async () => ({ current: WEBHOOK_SECRET }) },
    queue: { send: async (message) => void queued.push(message) },
    log: captureLog(),
    metrics,
  });
  return { handle, metrics, queued };
}

function jobAsking(...sizeLabels: string[]) {
  const job = queuedJob();
  job.workflow_job.labels = ['self-hosted', 'linux', 'small', ...sizeLabels];
  return signedDelivery(job);
}

describe('a queued job that asks for its size with labels', () => {
  it('is queued for the class that allows that size', async () => {
    const { handle, queued } = newHandler();
    const response = await handle(await jobAsking('cpu=4', 'memory=16Gi'));
    expect(response).toMatchObject({
      statusCode: 202,
      body: expect.stringMatching(/^queued queued job \d+ for linux-small$/),
    });
    expect(queued.map(({ labels }) => labels)).toEqual([
      ['self-hosted', 'linux', 'small', 'cpu=4', 'memory=16Gi'],
    ]);
  });

  it('is answered ignored with the reason, counted, and never queued, when it asks for more than its class allows', async () => {
    // Prepare
    const { handle, metrics, queued } = newHandler();

    // Act
    const response = await handle(await jobAsking('cpu=64'));

    // Assess
    expect(response).toEqual(
      expect.objectContaining({
        statusCode: 202,
        body: 'ignored: class linux-small allows no cpu of 64: at most 8',
      }),
    );
    expect(queued).toEqual([]);
    expect(metrics.points('WebhooksIgnored').map(({ dimensions }) => dimensions)).toEqual([
      { Reason: 'job-size-not-allowed' },
    ]);
  });
});
