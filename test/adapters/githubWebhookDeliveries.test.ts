import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubWebhookDeliveries } from '../../lib/adapters/githubWebhookDeliveries.ts';
import { InMemoryRedeliveryLedger } from '../../lib/adapters/inMemoryRedeliveryLedger.ts';
import { redeliverFailedWebhooks } from '../../lib/reconciler/redeliverFailedWebhooks.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { testConfig } from '../helpers/factories.ts';
import { type GitHubStandIn, startGitHubStandIn } from '../helpers/gitHubStandIn.ts';
import { departuresFromOpenApi, routesServed } from '../helpers/openApiResponses.ts';

let gitHub: GitHubStandIn;
const now = new Date();
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

beforeAll(async () => {
  gitHub = await startGitHubStandIn();
  // 250 attempts over the last 4 hours, oldest first, all accepted but two.
  for (let index = 0; index < 250; index++) {
    const id = 1000 + index;
    const failed = id === 1240 || id === 1100 || id === 1010;
    gitHub.addDelivery({
      id,
      guid: `guid-${id}`,
      delivered_at: minutesAgo(250 - index),
      redelivery: false,
      status_code: failed ? 502 : 202,
      event: 'workflow_job',
    });
  }
});
afterAll(() => gitHub.close());

const deliveryLog = () =>
  new GitHubWebhookDeliveries({
    github: { appId: 1, apiUrl: gitHub.apiUrl },
    privateKey: gitHub.appPrivateKey,
  });

describe('GitHubWebhookDeliveries', () => {
  it('reads the failures in the delivery log as the App, newest first, back to the time asked for', async () => {
    // Act
    const recent = await deliveryLog().failedSince(new Date(now.getTime() - 150.5 * 60_000), 3);
    const all = await deliveryLog().failedSince(new Date(0), 3);

    // Assess
    expect(recent.map(({ id, statusCode }) => [id, statusCode])).toEqual([
      [1240, 502],
      [1100, 502],
    ]);
    expect(all.map(({ id }) => id)).toEqual([1240, 1100, 1010]);
  });

  it('stops after the pages it may read', async () => {
    // Prepare: 150 more failures, an hour ago.
    for (let index = 0; index < 150; index++) {
      gitHub.addDelivery({
        id: 5000 + index,
        guid: `failed-${index}`,
        delivered_at: minutesAgo(60),
        redelivery: false,
        status_code: 0,
        event: 'workflow_job',
      });
    }

    // Act / Assess
    expect(await deliveryLog().failedSince(new Date(0), 1)).toHaveLength(100);
  });
});

describe('redeliverFailedWebhooks', () => {
  it('asks GitHub to deliver again the failed workflow_job deliveries of the last half hour only', async () => {
    // Prepare
    const metrics = new MetricsRecorder();

    // Act
    const ledger = new InMemoryRedeliveryLedger();
    const run = () =>
      redeliverFailedWebhooks({
        config: testConfig(),
        deliveries: deliveryLog(),
        ledger,
        log: captureLog(),
        metrics,
        now: () => now,
      });

    // Act: twice, as two reconciler runs.
    const first = await run();
    const second = await run();

    // Assess: 1240 failed ten minutes ago; 1100 failed too long ago to matter; the second run
    // remembers it asked already.
    expect(first).toEqual({ failed: 1, redelivered: 1 });
    expect(second).toEqual({ failed: 1, redelivered: 0 });
    expect(gitHub.redelivered).toEqual([1240]);
    expect(metrics.total('WebhooksRedelivered')).toBe(1);
  });
});

describe('the GitHub stand-in', () => {
  it("answers the delivery routes as GitHub's OpenAPI description says", () => {
    expect(routesServed(gitHub.responses)).toEqual(
      new Set(['GET /app/hook/deliveries', 'POST /app/hook/deliveries/{delivery_id}/attempts']),
    );
    expect(departuresFromOpenApi(gitHub.responses)).toEqual([]);
  });
});
