import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lib/environment.ts';
import { jobMessageSchema } from '../../lib/jobMessage.ts';
import { captureOutput, parseEmf } from '../helpers/capturedOutput.ts';
import { exampleConfigInput } from '../helpers/factories.ts';
import { queuedJob } from '../helpers/hostileRequests.ts';
import { localAwsEnvironment, startLocalSqs, startSecretsManagerStandIn } from '../helpers/localAws.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';

let sqs: Awaited<ReturnType<typeof startLocalSqs>>;
let secretsManager: Awaited<ReturnType<typeof startSecretsManagerStandIn>>;
let handler: (event: LambdaFunctionURLEvent, context: object) => Promise<LambdaFunctionURLResult>;

beforeAll(async () => {
  sqs = await startLocalSqs();
  secretsManager = await startSecretsManagerStandIn({
    'webhook-secret': JSON.stringify({ current: 'rotated-in', previous: WEBHOOK_SECRET }),
  });
  Object.assign(
    process.env,
    localAwsEnvironment({ sqs: sqs.endpoint, secretsManager: secretsManager.endpoint }),
    {
      [ENV.config]: JSON.stringify(exampleConfigInput()),
      [ENV.jobQueueUrl]: sqs.jobQueueUrl,
      [ENV.webhookSecretArn]: 'webhook-secret',
    },
  );
  ({ handler } = (await import('../../functions/webhook.ts')) as never);
});
afterAll(async () => {
  await sqs.stop();
  await secretsManager.stop();
});

/** A Function URL event as Lambda builds it, with the body base64-encoded. */
async function functionUrlEvent(
  payload: unknown,
  options: { secret?: string } = {},
): Promise<LambdaFunctionURLEvent> {
  const request = await signedDelivery(payload, options);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: request.headers as Record<string, string>,
    isBase64Encoded: true,
    body: Buffer.from(request.body).toString('base64'),
    requestContext: {
      http: {
        method: 'POST',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'GitHub-Hookshot/1',
      },
    },
  } as LambdaFunctionURLEvent;
}

describe('webhook Lambda behind a Function URL', () => {
  it('verifies a base64 body, accepts the previous secret, and puts one valid message on SQS', async () => {
    // Act
    const response = await handler(await functionUrlEvent(queuedJob()), {});

    // Assess
    expect(response).toMatchObject({
      statusCode: 202,
      body: expect.stringMatching(/^queued queued job \d+ for linux-small$/),
    });
    const messages = sqs.messagesOf('jobs');
    expect(messages).toHaveLength(1);
    const message = jobMessageSchema.parse(JSON.parse(messages[0]?.body ?? ''));
    expect(message).toMatchObject({ action: 'queued', runnerClass: 'linux-small', org: 'acme' });
  });

  it('answers 401 to a forged delivery and queues nothing', async () => {
    // Prepare
    const before = sqs.messagesOf('jobs').length;

    // Act
    const response = await handler(await functionUrlEvent(queuedJob(), { secret: 'forged' }), {});

    // Assess
    expect(response).toMatchObject({ statusCode: 401 });
    expect(sqs.messagesOf('jobs')).toHaveLength(before);
  });

  it('writes its metrics as EMF and its logs as JSON, with no secret or signature in either', async () => {
    // Prepare
    const forged = await functionUrlEvent(queuedJob(), { secret: 'forged' });
    const stdout = captureOutput();

    // Act
    try {
      await handler(await functionUrlEvent(queuedJob()), {});
      await handler(forged, {});
    } finally {
      stdout.restore();
    }

    // Assess
    const metrics = parseEmf(stdout.lines());
    expect(metrics).toEqual(
      expect.arrayContaining([
        {
          namespace: 'EksRunnerAutoscaler',
          name: 'JobsQueued',
          unit: 'Count',
          values: [1],
          dimensions: { RunnerClass: 'linux-small' },
        },
        expect.objectContaining({ name: 'WebhooksRejected', dimensions: { Reason: 'signature' } }),
      ]),
    );
    const logs = stdout
      .lines()
      .map((line) => JSON.parse(line))
      .filter((line) => !line._aws);
    expect(logs.map((line) => line.message)).toEqual(['job queued', 'webhook rejected']);
    for (const secret of [WEBHOOK_SECRET, 'rotated-in', forged.headers['x-hub-signature-256'] as string]) {
      expect(stdout.text()).not.toContain(secret);
    }
  });

  it('reads the secret once, and a forged delivery soon after cannot make it read again', () => {
    expect(secretsManager.calls()).toBe(1);
  });
});
