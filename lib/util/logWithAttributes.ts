import type { Log } from '../ports.ts';

/** A log that adds the same attributes (a job's IDs, say) to every line. */
export function logWithAttributes(log: Log, attributes: Record<string, unknown>): Log {
  return {
    debug: (message, extra) => log.debug(message, { ...attributes, ...extra }),
    info: (message, extra) => log.info(message, { ...attributes, ...extra }),
    warn: (message, extra) => log.warn(message, { ...attributes, ...extra }),
    error: (message, extra) => log.error(message, { ...attributes, ...extra }),
  };
}
