import { describe, expect, it } from 'vitest';
import { InMemoryRunnerCluster } from '../../lib/adapters/inMemoryRunnerCluster.ts';
import { startLocalAutoscaler } from '../../local/startLocalAutoscaler.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { testConfig } from '../helpers/factories.ts';
import { queuedJob } from '../helpers/hostileRequests.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { until } from '../helpers/until.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';

describe('local mode reconciler', () => {
  it('runs on its timer and removes a runner whose completed webhook never came', async () => {
    // Prepare
    const cluster = new InMemoryRunnerCluster();
    const log = captureLog();
    const local = await startLocalAutoscaler({
      config: testConfig(),
      webhookSecrets: { current: WEBHOOK_SECRET },
      cluster,
      registry: new ScriptedRegistry(),
      log,
      port: 0,
      reconcileIntervalMs: 100,
    });
    const job = queuedJob();
    const podName = `linux-small-${job.workflow_job.id}`;
    try {
      const request = await signedDelivery(job);
      await fetch(`${local.url}/webhook`, {
        method: 'POST',
        headers: request.headers as Record<string, string>,
        body: request.body,
      });
      await until(() => cluster.pods.get(podName)?.runnerPod.gated === false);

      // Act: the runner finishes its job, and the `completed` webhook is lost.
      cluster.setPhase(podName, 'Succeeded');
      await until(() => !cluster.pods.has(podName));

      // Assess
      expect(cluster.secrets.has(`${podName}-runner`)).toBe(false);
      expect(log.lines.some((line) => line.message === 'reconciled runner pods')).toBe(true);
    } finally {
      await local.close();
    }
  });
});
