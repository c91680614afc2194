/** How long a place reserved for a pod not yet created stays taken. Creation takes about a second. */
export const RESERVATION_TTL_MS = 60_000;

export interface PlaceAllocation {
  /** Pods that have a place: new reservations, and pods that already exist or already hold one. */
  granted: Set<string>;
  /** Reservations to keep: pod name → when it was reserved (ms since epoch). */
  reservations: Record<string, number>;
}

/**
 * Which of the requested pods get a place in a class, given the pods alive and the places reserved
 * for pods being created. Pure: the adapters store the reservations, atomically.
 */
export function allocatePlaces(input: {
  /** Every pod of the class, in any phase. */
  existingPods: Iterable<string>;
  /** The pods that hold or may soon hold a runner: not finished, not being deleted. */
  livePods: Iterable<string>;
  reservations: Record<string, number>;
  requested: readonly string[];
  maxRunners: number;
  now: number;
}): PlaceAllocation {
  const live = new Set(input.livePods);
  const existing = new Set(input.existingPods);
  const reservations: Record<string, number> = {};
  for (const [pod, reservedAt] of Object.entries(input.reservations)) {
    // Once its pod exists the pod itself counts (while live); a reservation never followed by a pod lapses.
    if (!existing.has(pod) && input.now - reservedAt < RESERVATION_TTL_MS) reservations[pod] = reservedAt;
  }
  const held = new Set([...live, ...Object.keys(reservations)]);
  const granted = new Set<string>();
  for (const pod of input.requested) {
    if (held.has(pod)) {
      granted.add(pod);
    } else if (held.size < input.maxRunners) {
      held.add(pod);
      reservations[pod] = input.now;
      granted.add(pod);
    }
  }
  return { granted, reservations };
}
