import type { Redeliveries, WebhookDelivery } from '../ports.ts';

/** Redeliveries asked for one event before it is left alone. */
export const MAX_REDELIVERIES = 2;
/** A failed attempt this fresh may still be retried by whoever made it: leave it a moment. */
const SETTLE_SECONDS = 30;

/**
 * The failed deliveries to ask GitHub for again: `workflow_job` events not yet redelivered, or
 * redelivered fewer than MAX_REDELIVERIES times and failed again since. One attempt's ID per event.
 * Pure. The delivery log only says what failed; the ledger says what was already asked for, so an
 * event whose redelivery succeeded is not asked for again.
 */
export function chooseRedeliveries(
  failures: readonly WebhookDelivery[],
  asked: Redeliveries,
  now: Date,
): number[] {
  const latestByEvent = new Map<string, WebhookDelivery>();
  for (const failure of failures) {
    if (failure.event !== 'workflow_job') continue;
    const latest = latestByEvent.get(failure.guid);
    if (!latest || failure.deliveredAt > latest.deliveredAt) latestByEvent.set(failure.guid, failure);
  }
  const chosen: number[] = [];
  for (const [guid, latest] of latestByEvent) {
    if (now.getTime() - latest.deliveredAt.getTime() < SETTLE_SECONDS * 1000) continue;
    const before = asked.get(guid);
    if (before && (before.attempts >= MAX_REDELIVERIES || latest.deliveredAt.getTime() <= before.lastAt))
      continue;
    chosen.push(latest.id);
  }
  return chosen;
}
