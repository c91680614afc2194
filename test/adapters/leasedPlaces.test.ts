import { describe, expect, it } from 'vitest';
import { LeasedPlaces } from '../../lib/adapters/leasedPlaces.ts';
import { LEASE_USABLE_MS } from '../../lib/scaler/allocatePlaces.ts';

describe('LeasedPlaces', () => {
  it('hands out each spare place of a class once, and none too old to use or granted under another maxRunners', () => {
    // Prepare
    const leases = new LeasedPlaces();
    const spare = { count: 3, grantedAt: 1000, maxRunners: 10 };
    leases.hold('small', spare);

    // Act / Assess
    expect(leases.take('small', 2, 10, 1000)).toBe(2);
    expect(leases.take('large', 2, 10, 1000)).toBe(0);
    expect(leases.take('small', 2, 10, 1000)).toBe(1);
    expect(leases.take('small', 2, 10, 1000)).toBe(0);
    leases.hold('small', spare);
    expect(leases.take('small', 1, 10, 1000 + LEASE_USABLE_MS)).toBe(0);
    expect(leases.take('small', 1, 4, 1000)).toBe(0);
  });

  it('names the spare places of each reservation anew, so they name no pod and no earlier lease', () => {
    const leases = new LeasedPlaces();
    const [first, second] = [leases.names(), leases.names()];
    expect(new Set([...first, ...second]).size).toBe(first.length * 2);
    expect(first.every((name) => name.startsWith('lease.'))).toBe(true);
  });
});
