import { describe, expect, it } from 'vitest';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import type { IgnoreReason } from '../../lib/telemetry/metricCatalog.ts';
import { createWebhookHandler } from '../../lib/webhook/handleWebhookRequest.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { workflowJobExamples } from '../helpers/examples.ts';
import { testConfig } from '../helpers/factories.ts';
import { queuedJob } from '../helpers/hostileRequests.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';

function newHandler(config = testConfig()) {
  const metrics = new MetricsRecorder();
  const handle = createWebhookHandler({
    config,
    secrets: { get: async () => ({ current: WEBHOOK_SECRET }) },
    queue: { send: async () => {} },
    log: captureLog(),
    metrics,
  });
  return { handle, metrics };
}

/** GitHub's in_progress example that carries both timestamps (7 s apart), made one of our jobs. */
function startedJob() {
  const example = structuredClone(
    workflowJobExamples().find(
      (candidate) =>
        candidate.action === 'in_progress' && candidate.workflow_job.created_at?.startsWith('2023'),
    ),
  );
  if (!example) throw new Error('no in_progress example with timestamps');
  example.workflow_job.labels = ['self-hosted', 'linux', 'small'];
  example.organization = { login: 'acme' };
  return example;
}

describe('webhook metrics', () => {
  it("counts jobs by action and class, and the wait from GitHub's own timestamps", async () => {
    // Prepare
    const { handle, metrics } = newHandler();
    const completed = { ...startedJob(), action: 'completed' };

    // Act
    await handle(await signedDelivery(queuedJob()));
    await handle(await signedDelivery(startedJob()));
    await handle(await signedDelivery(completed));

    // Assess
    const linuxSmall = { RunnerClass: 'linux-small' };
    expect(metrics.total('JobsQueued', linuxSmall)).toBe(1);
    expect(metrics.total('JobsStarted', linuxSmall)).toBe(1);
    expect(metrics.total('JobsCompleted', linuxSmall)).toBe(1);
    expect(metrics.points('JobWaitTime').map(({ value, dimensions }) => ({ value, dimensions }))).toEqual([
      { value: 7, dimensions: linuxSmall },
    ]);
  });

  it.each([
    ['started before it was created', '2023-06-26T03:31:20Z'],
    ['with no start time', null],
  ])('records no wait for a job %s', async (_, startedAt) => {
    // Prepare
    const { handle, metrics } = newHandler();
    const job = startedJob();
    job.workflow_job.started_at = startedAt;

    // Act
    const response = await handle(await signedDelivery(job));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(metrics.total('JobsStarted')).toBe(1);
    expect(metrics.points('JobWaitTime')).toEqual([]);
  });

  const ignoredCases: [
    string,
    () => Promise<Parameters<ReturnType<typeof newHandler>['handle']>[0]>,
    IgnoreReason,
  ][] = [
    ['another event', () => signedDelivery(queuedJob(), { event: 'push' }), 'event'],
    ['a waiting job', () => signedDelivery({ ...queuedJob(), action: 'waiting' }), 'action'],
    [
      'a delivery from no App installation',
      () => signedDelivery({ ...queuedJob(), installation: undefined }),
      'no-installation',
    ],
    [
      'an organisation not allowed',
      () => signedDelivery({ ...queuedJob(), organization: { login: 'other' } }),
      'organization-not-allowed',
    ],
    [
      'labels no class serves',
      () => {
        const job = queuedJob();
        job.workflow_job.labels = ['self-hosted', 'windows'];
        return signedDelivery(job);
      },
      'no-runner-class',
    ],
  ];

  it.each(ignoredCases)('counts %s as ignored, by reason', async (_, request, reason) => {
    // Prepare
    const { handle, metrics } = newHandler();

    // Act
    const response = await handle(await request());

    // Assess
    expect(response).toMatchObject({ statusCode: 202, body: expect.stringMatching(/^ignored: /) });
    expect(metrics.points('WebhooksIgnored').map(({ dimensions }) => dimensions)).toEqual([
      { Reason: reason },
    ]);
  });

  it('counts a repository not allowed as ignored', async () => {
    // Prepare
    const { handle, metrics } = newHandler(
      testConfig({ github: { appId: 1, allowedRepositories: ['acme/elsewhere'] } }),
    );

    // Act
    await handle(await signedDelivery(queuedJob()));

    // Assess
    expect(metrics.total('WebhooksIgnored', { Reason: 'repository-not-allowed' })).toBe(1);
  });
});
