import type { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../ports.ts';

/** Log through Powertools' Logger: one JSON line per call, with the attributes as keys. */
export function powertoolsLog(logger: Logger): Log {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, attributes?: Record<string, unknown>) =>
      attributes ? logger[level](message, attributes) : logger[level](message);
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
