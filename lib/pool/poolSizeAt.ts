import { Cron } from 'croner';
import type { PoolConfig } from '../config/poolSchema.ts';

/** How far back a schedule's last firing is looked for; beyond it, the pool's base size holds. */
const LOOK_BACK_MS = 366 * 24 * 3600 * 1000;

/**
 * The pool size at this moment: the one set by the schedule that fired last (at or before `now`,
 * read in the pool's time zone), or the pool's base size when none fired within a year. Of two
 * schedules firing at the same minute, the later one listed wins. Pure.
 */
export function poolSizeAt(pool: Pick<PoolConfig, 'size' | 'timezone' | 'schedules'>, now: Date): number {
  let size = pool.size;
  let firedAt = now.getTime() - LOOK_BACK_MS;
  // croner's previous runs are those before the reference: this one counts a run at `now`'s second.
  const reference = new Date(Math.floor(now.getTime() / 1000) * 1000 + 1000);
  for (const schedule of pool.schedules) {
    const cron = new Cron(schedule.cron, { mode: '5-part', timezone: pool.timezone, paused: true });
    const [last] = cron.previousRuns(1, reference);
    cron.stop();
    if (last && last.getTime() >= firedAt) {
      firedAt = last.getTime();
      size = schedule.size;
    }
  }
  return size;
}
