import { describe, expect, it } from 'vitest';
import { allocatePlaces, POD_SEEN, RESERVATION_TTL_MS } from '../../lib/scaler/allocatePlaces.ts';

const now = 1_000_000_000;
const census = (...pods: { name: string; live: boolean; createdAt?: number }[]) => ({
  takenAt: now,
  pods: pods.map((pod) => ({ createdAt: now - 1000, ...pod })),
});

describe('allocatePlaces', () => {
  it('gives places in request order until the places reach maxRunners, with no pod listing', () => {
    // Act
    const allocation = allocatePlaces({
      places: { a: POD_SEEN, b: now - 1000 },
      requested: ['c', 'd', 'e'],
      maxRunners: 4,
      now,
    });

    // Assess
    expect(allocation.granted).toEqual(new Set(['c', 'd']));
    expect(allocation.places).toEqual({ a: POD_SEEN, b: now - 1000, c: now, d: now });
    expect(allocation.full).toBe(true);
  });

  it('lets a pod that holds a place keep it, and starts its place again, as a pod may be made anew from it', () => {
    const allocation = allocatePlaces({
      places: { a: POD_SEEN, b: now - 10 },
      requested: ['a', 'b'],
      maxRunners: 2,
      now,
    });
    expect(allocation.granted).toEqual(new Set(['a', 'b']));
    expect(allocation.places).toEqual({ a: now, b: now });
    expect(allocation.full).toBe(false);
  });

  it('frees, on a census, the places of pods that finished or went, and keeps those whose pod may still come', () => {
    // Act
    const allocation = allocatePlaces({
      places: {
        seenGone: POD_SEEN,
        seenFinished: POD_SEEN,
        seenLive: POD_SEEN,
        finishedFromThisGrant: now - 5000,
        notCreatedYet: now - 5000,
        neverCreated: now - RESERVATION_TTL_MS,
        createdLongAgo: now - RESERVATION_TTL_MS,
        createdJustNow: now - 5000,
      },
      requested: ['next'],
      maxRunners: 10,
      now,
      census: census(
        { name: 'seenFinished', live: false, createdAt: now - 600_000 },
        { name: 'seenLive', live: true },
        { name: 'finishedFromThisGrant', live: false, createdAt: now - 4000 },
        { name: 'createdLongAgo', live: true },
        { name: 'createdJustNow', live: true },
        { name: 'madeWithoutPlace', live: true },
      ),
    });

    // Assess: a live pod holds a place (seen, once its creation window is over) whatever it had before.
    expect(allocation.places).toEqual({
      seenLive: POD_SEEN,
      notCreatedYet: now - 5000,
      createdLongAgo: POD_SEEN,
      createdJustNow: now - 5000,
      madeWithoutPlace: POD_SEEN,
      next: now,
    });
  });

  it('keeps a new place of a name whose earlier pod finished, since the new pod may be created after the census', () => {
    const allocation = allocatePlaces({
      places: { reused: now - 2000 },
      requested: [],
      maxRunners: 1,
      now,
      census: census({ name: 'reused', live: false, createdAt: now - 300_000 }),
    });
    expect(allocation.places).toEqual({ reused: now - 2000 });
  });

  it('leaves the place of a requested pod the census sees alive as it was', () => {
    const allocation = allocatePlaces({
      places: {},
      requested: ['running'],
      maxRunners: 1,
      now,
      census: census({ name: 'running', live: true }),
    });
    expect(allocation.granted).toEqual(new Set(['running']));
    expect(allocation.places).toEqual({ running: POD_SEEN });
  });

  it('gives nothing to a class whose live pods fill it', () => {
    const allocation = allocatePlaces({
      places: {},
      requested: ['c'],
      maxRunners: 2,
      now,
      census: census({ name: 'a', live: true }, { name: 'b', live: true }),
    });
    expect(allocation.granted).toEqual(new Set());
    expect(allocation.full).toBe(true);
  });

  it('grants spare places while the class is less than half full, a quarter of the room left, and drops unused ones like unseen places', () => {
    // Act
    const leasing = allocatePlaces({
      places: { a: POD_SEEN },
      requested: ['b'],
      maxRunners: 8,
      now,
      leases: ['l0', 'l1', 'l2', 'l3'],
    });
    const later = allocatePlaces({
      places: leasing.places,
      requested: [],
      maxRunners: 8,
      now: now + RESERVATION_TTL_MS,
      census: { takenAt: now + RESERVATION_TTL_MS, pods: [{ name: 'b', live: true, createdAt: now + 1000 }] },
    });

    // Assess
    expect(leasing.leased).toEqual(['l0']);
    expect(leasing.places).toEqual({ a: POD_SEEN, b: now, l0: now });
    const halfFull = { a: POD_SEEN, b: POD_SEEN, c: POD_SEEN, d: POD_SEEN };
    expect(
      allocatePlaces({ places: halfFull, requested: [], maxRunners: 8, now, leases: ['l0'] }).leased,
    ).toEqual([]);
    expect(later.places).toEqual({ b: POD_SEEN });
  });
});
