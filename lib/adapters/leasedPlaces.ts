import { randomUUID } from 'node:crypto';
import { LEASE_USABLE_MS } from '../scaler/allocatePlaces.ts';

/** Spare places asked for with each reservation in the class's ConfigMap. */
const LEASED_PER_RESERVATION = 30;

/**
 * The spare places this scaler holds in each class (see allocatePlaces): its next records take them
 * without writing the class's ConfigMap, which every scaler writes in turn. A spare place is used
 * once, and only within LEASE_USABLE_MS of its grant; the ConfigMap frees the rest in its census.
 */
export class LeasedPlaces {
  private readonly held = new Map<string, { count: number; grantedAt: number; maxRunners: number }>();

  /** Names for the spare places of one reservation: each is new, so it names no pod and no other lease. */
  names(): string[] {
    const lease = randomUUID().slice(0, 8);
    return Array.from({ length: LEASED_PER_RESERVATION }, (_, index) => `lease.${lease}.${index}`);
  }

  hold(runnerClassName: string, spare: { count: number; grantedAt: number; maxRunners: number }): void {
    this.held.set(runnerClassName, { ...spare });
  }

  /** Takes up to `wanted` places, returning how many it took; none granted under another maxRunners. */
  take(runnerClassName: string, wanted: number, maxRunners: number, now = Date.now()): number {
    const held = this.held.get(runnerClassName);
    if (!held || held.maxRunners !== maxRunners || now - held.grantedAt >= LEASE_USABLE_MS) return 0;
    const taken = Math.min(wanted, held.count);
    held.count -= taken;
    return taken;
  }
}
