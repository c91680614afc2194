import { describe, expect, it } from 'vitest';
import { allocatePlaces, RESERVATION_TTL_MS } from '../../lib/scaler/allocatePlaces.ts';

const now = 1_000_000;

describe('allocatePlaces', () => {
  it('gives places in request order until live pods and reservations reach maxRunners', () => {
    // Act
    const allocation = allocatePlaces({
      existingPods: ['a'],
      livePods: ['a'],
      reservations: { b: now - 1000 },
      requested: ['c', 'd', 'e'],
      maxRunners: 4,
      now,
    });

    // Assess
    expect(allocation.granted).toEqual(new Set(['c', 'd']));
    expect(allocation.reservations).toEqual({ b: now - 1000, c: now, d: now });
  });

  it('lets a pod that exists or already holds a place keep it, without taking another', () => {
    const allocation = allocatePlaces({
      existingPods: ['a'],
      livePods: ['a'],
      reservations: { b: now },
      requested: ['a', 'b'],
      maxRunners: 2,
      now,
    });
    expect(allocation.granted).toEqual(new Set(['a', 'b']));
    expect(allocation.reservations).toEqual({ b: now });
  });

  it('ends reservations whose pod finished, and those never followed by a pod', () => {
    // Act
    const allocation = allocatePlaces({
      existingPods: ['created', 'finished'],
      livePods: ['created'],
      reservations: {
        created: now - 10,
        finished: now - 10,
        lapsed: now - RESERVATION_TTL_MS,
        fresh: now - 10,
      },
      requested: ['next'],
      maxRunners: 4,
      now,
    });

    // Assess: the live pod and its reservation take one place together; the finished pod takes none.
    expect(allocation.reservations).toEqual({ created: now - 10, fresh: now - 10, next: now });
    expect(allocation.granted).toEqual(new Set(['next']));
  });

  it('still counts a place whose pod is missing from a pod list older than the reservation', () => {
    // Another scaler reserved "theirs" and created it after this scaler listed the pods.
    const allocation = allocatePlaces({
      existingPods: [],
      livePods: [],
      reservations: { theirs: now - 500 },
      requested: ['mine'],
      maxRunners: 1,
      now,
    });
    expect(allocation.granted).toEqual(new Set());
  });

  it('gives nothing to a full class', () => {
    const allocation = allocatePlaces({
      existingPods: ['a', 'b'],
      livePods: ['a', 'b'],
      reservations: {},
      requested: ['c'],
      maxRunners: 2,
      now,
    });
    expect(allocation.granted).toEqual(new Set());
  });
});
