import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import type { Log, Metrics, RedeliveryLedger, WebhookDeliveryLog } from '../ports.ts';
import { chooseRedeliveries } from './chooseRedeliveries.ts';

/** Pages of 100 failed deliveries read per run: the cost in GitHub calls is bounded whatever happens. */
const MAX_PAGES = 3;

/**
 * Asks GitHub to deliver again the `workflow_job` webhooks our endpoint did not accept (it was down,
 * timed out, or answered 5xx), which GitHub never does on its own. A redelivered job is handled like
 * any other: deliveries are idempotent. What was asked for is remembered in the ledger for the window.
 */
export async function redeliverFailedWebhooks(context: {
  config: Pick<AutoscalerConfig, 'reconciler' | 'github'>;
  deliveries: WebhookDeliveryLog;
  ledger: RedeliveryLedger;
  log: Log;
  metrics: Metrics;
  now: () => Date;
}): Promise<{ failed: number; redelivered: number }> {
  const { config, deliveries, ledger, log, metrics } = context;
  const now = context.now();
  const since = now.getTime() - config.reconciler.redeliverWithinMinutes * 60_000;
  const failures = await deliveries.failedSince(new Date(since), MAX_PAGES);
  const asked = await ledger.recall();
  const chosen = chooseRedeliveries(failures, asked, now);
  const guidOf = new Map(failures.map(({ id, guid }) => [id, guid]));
  for (const deliveryId of chosen) {
    await deliveries.redeliver(deliveryId);
    const guid = guidOf.get(deliveryId) ?? String(deliveryId);
    asked.set(guid, { attempts: (asked.get(guid)?.attempts ?? 0) + 1, lastAt: now.getTime() });
  }
  for (const [guid, { lastAt }] of asked) if (lastAt < since) asked.delete(guid);
  if (chosen.length > 0) await ledger.remember(asked);
  metrics.record('WebhooksRedelivered', chosen.length, { App: String(config.github.appId) });
  if (chosen.length > 0) log.warn('asked GitHub to deliver failed webhooks again', { deliveryIds: chosen });
  return { failed: failures.length, redelivered: chosen.length };
}
