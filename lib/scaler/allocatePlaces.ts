/**
 * A place granted for a pod not yet seen: a pod may be created from it for this long (ensureRunnerPod
 * creates it within CREATE_WITHIN_MS, and a create request takes at most its timeout; the rest is
 * room for clocks that differ between scalers). A census drops it only after that.
 */
export const RESERVATION_TTL_MS = 60_000;
/** ensureRunnerPod creates no pod from a place it asked for longer ago than this. */
export const CREATE_WITHIN_MS = 20_000;
/** The time of a place whose pod a census saw alive after its creation window: it stays while that pod lives. */
export const POD_SEEN = 0;
/** Even a class that never fills has its pods counted this often, so places of pods gone do not pile up. */
export const CENSUS_EVERY_MS = 60_000;
/**
 * Spare places a scaler may hold for its next records, granted only while the class is less than
 * half full, up to a quarter of the room left. A scaler uses them only this soon after they were granted, so its pods are still
 * created well within RESERVATION_TTL_MS of the grant.
 */
export const LEASE_USABLE_MS = 5_000;
const LEASE_BELOW_SHARE = 0.5;
/** Creation timestamps have whole seconds, from the API server's clock; a scaler's may differ by this much. */
const CLOCK_SKEW_MS = 6_000;

/** A listing of the class's pods, taken after the places were read. */
export interface PodCensus {
  takenAt: number;
  pods: readonly { name: string; live: boolean; createdAt: number }[];
}

export interface PlaceAllocation {
  /** Pods that have a place: new ones, and those that hold one already. */
  granted: Set<string>;
  /** The places to store: pod name → when its place was granted (ms since epoch), or POD_SEEN. */
  places: Record<string, number>;
  /** Some requested pod got no place: without a census, take one and allocate again. */
  full: boolean;
  /** The spare places granted, of those asked for in `leases`. */
  leased: string[];
}

/**
 * Which requested pods get a place in a class. Every live pod of the class holds a place, and so does
 * every pod that may still be created from a granted one, so the class is full when the places
 * reach maxRunners; no pod listing is needed for that. A spare place stands for whichever pod the
 * scaler holding it creates from it, and goes like a place whose pod never came. A census of the class's pods (taken when the
 * class looks full, or now and then) frees the places of pods that finished or went, and adds a
 * place for any live pod that holds none. Pure: the adapters store the places, atomically.
 */
export function allocatePlaces(input: {
  places: Record<string, number>;
  requested: readonly string[];
  maxRunners: number;
  now: number;
  census?: PodCensus;
  /** Names for spare places to hold for the scaler's next records; no pod is ever made by these names. */
  leases?: readonly string[];
}): PlaceAllocation {
  const places = input.census ? placesAfterCensus(input.places, input.census) : { ...input.places };
  const liveInCensus = new Set(input.census?.pods.filter((pod) => pod.live).map((pod) => pod.name));
  const granted = new Set<string>();
  let taken = Object.keys(places).length;
  let full = false;
  for (const pod of input.requested) {
    if (Object.hasOwn(places, pod)) {
      // A pod of that name may be made anew from this grant: its place starts again, unless the
      // census has just seen it alive (then a create finds it there).
      if (!liveInCensus.has(pod)) places[pod] = input.now;
      granted.add(pod);
    } else if (taken < input.maxRunners) {
      places[pod] = input.now;
      taken++;
      granted.add(pod);
    } else {
      full = true;
    }
  }
  // A spare place nobody uses stays taken until a census after RESERVATION_TTL_MS: a quarter of
  // the room left at most, so a class that then fills loses little of it for that minute.
  const spare = taken < input.maxRunners * LEASE_BELOW_SHARE ? Math.floor((input.maxRunners - taken) / 4) : 0;
  const leased = (input.leases ?? []).slice(0, spare);
  for (const lease of leased) places[lease] = input.now;
  return { granted, places, full, leased };
}

function placesAfterCensus(before: Record<string, number>, census: PodCensus): Record<string, number> {
  const pods = new Map(census.pods.map((pod) => [pod.name, pod]));
  const places: Record<string, number> = {};
  for (const [name, grantedAt] of Object.entries(before)) {
    const pod = pods.get(name);
    const creationWindowOver = grantedAt === POD_SEEN || census.takenAt - grantedAt >= RESERVATION_TTL_MS;
    if (pod?.live) {
      places[name] = creationWindowOver ? POD_SEEN : grantedAt;
    } else if (!creationWindowOver) {
      // A pod created from this grant and finished already frees it; an earlier pod of that name does not.
      const madeFromThisGrant = pod !== undefined && pod.createdAt >= grantedAt - CLOCK_SKEW_MS;
      if (!madeFromThisGrant) places[name] = grantedAt;
    }
  }
  for (const pod of census.pods) if (pod.live && !(pod.name in places)) places[pod.name] = POD_SEEN;
  return places;
}
