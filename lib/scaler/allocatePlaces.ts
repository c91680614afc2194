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
    // A reservation ends when its pod has finished, or lapses. While the pod lives it stays too, so a
    // scaler whose pod list predates that pod still counts its place.
    const finished = existing.has(pod) && !live.has(pod);
    if (!finished && input.now - reservedAt < RESERVATION_TTL_MS) reservations[pod] = reservedAt;
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
