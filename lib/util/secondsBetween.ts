/** Seconds from one ISO time to a later one; undefined when either is missing or they are out of order. */
export function secondsBetween(from: string, to: string | null): number | undefined {
  if (!to) return undefined;
  const seconds = (Date.parse(to) - Date.parse(from)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}
