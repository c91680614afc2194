import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import type { Log, Metrics, WebhookDeliveryLog } from '../ports.ts';
import { chooseRedeliveries } from './chooseRedeliveries.ts';

/** Pages of 100 deliveries read per run: the cost in GitHub calls is bounded whatever the traffic. */
const MAX_PAGES = 3;

/**
 * Asks GitHub to deliver again the `workflow_job` webhooks our endpoint did not accept (it was down,
 * timed out, or answered 5xx), which GitHub never does on its own. A redelivered job is handled like
 * any other: deliveries are idempotent.
 */
export async function redeliverFailedWebhooks(context: {
  config: Pick<AutoscalerConfig, 'reconciler' | 'github'>;
  deliveries: WebhookDeliveryLog;
  log: Log;
  metrics: Metrics;
  now: () => Date;
}): Promise<{ checked: number; redelivered: number }> {
  const { config, deliveries, log, metrics } = context;
  const now = context.now();
  const since = new Date(now.getTime() - config.reconciler.redeliverWithinMinutes * 60_000);
  const recent = await deliveries.since(since, MAX_PAGES);
  const chosen = chooseRedeliveries(recent, now);
  for (const deliveryId of chosen) await deliveries.redeliver(deliveryId);
  metrics.record('WebhooksRedelivered', chosen.length, { App: String(config.github.appId) });
  if (chosen.length > 0) log.warn('asked GitHub to deliver failed webhooks again', { deliveryIds: chosen });
  return { checked: recent.length, redelivered: chosen.length };
}
