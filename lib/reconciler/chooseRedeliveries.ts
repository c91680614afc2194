import type { WebhookDelivery } from '../ports.ts';

/** Attempts per event, the first delivery included, after which a failing delivery is left alone. */
export const MAX_DELIVERY_ATTEMPTS = 3;
/** A redelivery asked for shows in the log after a moment; until then the event is not asked again. */
const SETTLE_SECONDS = 30;

/**
 * The deliveries to ask GitHub to deliver again: `workflow_job` events none of whose attempts our
 * endpoint accepted, tried fewer than MAX_DELIVERY_ATTEMPTS times, the last attempt not just now.
 * One attempt's ID per event. Pure.
 */
export function chooseRedeliveries(deliveries: readonly WebhookDelivery[], now: Date): number[] {
  const attemptsByEvent = new Map<string, WebhookDelivery[]>();
  for (const delivery of deliveries) {
    if (delivery.event !== 'workflow_job') continue;
    attemptsByEvent.set(delivery.guid, [...(attemptsByEvent.get(delivery.guid) ?? []), delivery]);
  }
  const chosen: number[] = [];
  for (const attempts of attemptsByEvent.values()) {
    if (attempts.some(({ statusCode }) => statusCode >= 200 && statusCode < 300)) continue;
    if (attempts.length >= MAX_DELIVERY_ATTEMPTS) continue;
    const latest = attempts.reduce((a, b) => (a.deliveredAt > b.deliveredAt ? a : b));
    if (now.getTime() - latest.deliveredAt.getTime() < SETTLE_SECONDS * 1000) continue;
    chosen.push(latest.id);
  }
  return chosen;
}
