import { describe, expect, it } from 'vitest';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { createWebhookHandler } from '../../lib/webhook/handleWebhookRequest.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { workflowJobExamples } from '../helpers/examples.ts';
import { testConfig } from '../helpers/factories.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';

/** A configuration with a class for each self-hosted label set in GitHub's examples. */
const config = testConfig({
  github: { appId: 1, allowedOrgs: [] },
  runnerClasses: [
    {
      name: 'k8s',
      labels: ['k8s'],
      image: 'runner',
      resources: { requests: { cpu: '1' } },
      maxRunners: 5,
    },
    {
      name: 'gpu',
      labels: ['gpu', 'db-app', 'dc-03'],
      image: 'runner',
      resources: { requests: { cpu: '1' } },
      maxRunners: 5,
    },
  ],
});

function newHandler() {
  const queued: JobMessage[] = [];
  const log = captureLog();
  const metrics = new MetricsRecorder();
  const handle = createWebhookHandler({
    config,
    secrets: { get: async () => ({ current: WEBHOOK_SECRET }) },
    queue: { send: async (message) => void queued.push(message) },
    log,
    metrics,
  });
  return { handle, queued, log, metrics };
}

describe('webhook handler on every workflow_job example from @octokit/webhooks-examples', () => {
  const examples = workflowJobExamples().map((example, index) => ({
    name: `#${index} ${example.action} [${example.workflow_job.labels.join(', ')}]`,
    example,
  }));

  it.each(examples)('$name', async ({ example }) => {
    // Prepare
    const { handle, queued } = newHandler();
    const request = await signedDelivery(example, { deliveryId: 'f0e1d2c3' });
    const labels = example.workflow_job.labels;
    const servedBy = labels.includes('k8s') ? 'k8s' : labels.includes('gpu') ? 'gpu' : undefined;
    const handled = ['queued', 'in_progress', 'completed'].includes(example.action);

    // Act
    const response = await handle(request);

    // Assess
    expect(response.statusCode).toBe(202);
    if (!handled) {
      expect(response.body).toBe(`ignored: action ${example.action}`);
      expect(queued).toEqual([]);
    } else if (!example.installation) {
      expect(response.body).toMatch(/^ignored: no installation/);
      expect(queued).toEqual([]);
    } else if (!servedBy) {
      expect(response.body).toBe(`ignored: no runner class serves labels [${labels.join(', ')}]`);
      expect(queued).toEqual([]);
    } else {
      expect(response.body).toBe(`queued ${example.action} job ${example.workflow_job.id} for ${servedBy}`);
      expect(queued).toEqual([
        expect.objectContaining({
          schemaVersion: 1,
          deliveryId: 'f0e1d2c3',
          action: example.action,
          jobId: example.workflow_job.id,
          repository: example.repository.full_name,
          installationId: example.installation.id,
          org: example.organization?.login ?? null,
          labels,
          runnerName: example.workflow_job.runner_name,
          runnerClass: servedBy,
          attempt: 0,
        }),
      ]);
    }
  });

  it('queues the self-hosted example that GitHub marks queued', async () => {
    // Guards the table above: at least one example must reach the queue, or it proves nothing.
    const { handle, queued } = newHandler();
    for (const example of workflowJobExamples()) await handle(await signedDelivery(example));
    expect(queued.map((message) => `${message.action}:${message.runnerClass}`)).toEqual(['queued:k8s']);
  });
});
