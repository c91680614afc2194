import { describe, expect, it } from 'vitest';
import { InMemoryRunnerCluster } from '../../lib/adapters/inMemoryRunnerCluster.ts';
import { RECORD_DEADLINE_MARGIN_MS } from '../../lib/scaler/recordDeadline.ts';
import { startLocalAutoscaler } from '../../local/startLocalAutoscaler.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { testConfig } from '../helpers/factories.ts';
import { queuedJob } from '../helpers/hostileRequests.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { until } from '../helpers/until.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';

describe('local mode record deadline', () => {
  it('gives a batch the scaler timeout less the margin, as Lambda would, then puts back a record still waiting on GitHub', async () => {
    // Prepare: the shortest timeout the config allows, and GitHub not answering the job's registration.
    const timeoutMs = 10_000;
    const registry = new ScriptedRegistry();
    const log = captureLog();
    const local = await startLocalAutoscaler({
      config: testConfig({ scaler: { timeoutSeconds: timeoutMs / 1000 } }),
      webhookSecrets: { current: WEBHOOK_SECRET },
      cluster: new InMemoryRunnerCluster(),
      registry,
      log,
      port: 0,
      reconcileIntervalMs: 0,
    });
    const job = queuedJob();
    registry.holdRegistration(`linux-small-${job.workflow_job.id}`);
    const retried = () => log.lines.find((line) => line.message === 'job message retried later');
    try {
      const request = await signedDelivery(job);

      // Act
      const started = Date.now();
      await fetch(`${local.url}/webhook`, {
        method: 'POST',
        headers: request.headers as Record<string, string>,
        body: request.body,
      });
      await until(() => retried() !== undefined, timeoutMs);
      const tookMs = Date.now() - started;

      // Assess
      expect(retried()?.attributes.reason).toMatch(/record deadline/);
      expect(tookMs).toBeGreaterThanOrEqual(timeoutMs - RECORD_DEADLINE_MARGIN_MS);
      expect(tookMs).toBeLessThan(timeoutMs);
      expect(local.queue.depth()).toMatchObject({ delayed: 1 });
    } finally {
      await local.close();
    }
  });
});
