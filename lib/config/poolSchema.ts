import { Cron } from 'croner';
import * as z from 'zod/mini';
import { integer, withDefault } from './schemaParts.ts';

/** Cron's five fields: minute, hour, day of month, month, day of week (0 or 7 = Sunday). */
const cronExpression = z.string().check(
  z.refine(isCronExpression, {
    message:
      'must be a cron expression of five fields (minute hour day-of-month month day-of-week), e.g. "0 8 * * 1-5"',
  }),
);

const timeZone = z
  .string()
  .check(z.refine(isTimeZone, { message: 'must be an IANA time zone such as "Europe/Berlin" or "UTC"' }));

const poolSchedule = z.strictObject({
  /** When this size starts, read in the pool's `timezone`, e.g. "0 8 * * 1-5" (08:00 on weekdays). */
  cron: cronExpression,
  /** Idle runners kept from then on, until another schedule fires. */
  size: integer(0, 10_000),
});

/**
 * Idle runners kept registered and running, so a job starts without waiting for a pod (a node, the
 * image, the runner's boot). The size is the one set by the schedule that fired last (looked back a
 * year), or `size` when none has. Warm runners count towards `maxRunners`.
 */
export const poolSchema = z.strictObject({
  /** Idle runners kept while no schedule has fired (or with no schedules). @default 0 */
  size: withDefault(integer(0, 10_000), 0),
  /** IANA time zone the schedules are read in; its daylight-saving changes are followed. @default "UTC" */
  timezone: withDefault(timeZone, 'UTC'),
  /** Each sets the size from the moment it fires, e.g. 10 at 08:00 on weekdays and 0 at 19:00. @default [] */
  schedules: withDefault(z.array(poolSchedule).check(z.maxLength(20, 'at most 20 schedules')), []),
  /**
   * Where the warm runners register: an organisation (`"acme"`), or a repository (`"acme/app"`),
   * which `github.runnerScope: "repo"` needs. Only jobs there can take them.
   */
  scope: z
    .string()
    .check(
      z.regex(
        /^[A-Za-z0-9-]+(\/[A-Za-z0-9._-]+)?$/,
        'must be an organisation ("acme") or a repository ("acme/app")',
      ),
    ),
});

export type PoolConfig = z.output<typeof poolSchema>;

function isCronExpression(pattern: string): boolean {
  try {
    new Cron(pattern, { mode: '5-part', paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
