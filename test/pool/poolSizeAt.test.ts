import { describe, expect, it } from 'vitest';
import { poolSizeAt } from '../../lib/pool/poolSizeAt.ts';

/** 10 idle runners from 08:00 on weekdays, none from 19:00, in Berlin. */
const workingHours = {
  size: 2,
  timezone: 'Europe/Berlin',
  schedules: [
    { cron: '0 8 * * 1-5', size: 10 },
    { cron: '0 19 * * 1-5', size: 0 },
  ],
};

describe('poolSizeAt', () => {
  it.each([
    ['a Monday 07:59 in Berlin, after the Friday evening', '2026-11-30T06:59:00Z', 0],
    ['a Monday 08:00 in Berlin, the minute it fires', '2026-11-30T07:00:00Z', 10],
    ['a Monday 18:59 in Berlin', '2026-11-30T17:59:59Z', 10],
    ['a Monday 19:00 in Berlin', '2026-11-30T18:00:00Z', 0],
    ['a Saturday noon', '2026-12-05T11:00:00Z', 0],
  ])('on %s is the size of the schedule that fired last', (_when, now, size) => {
    expect(poolSizeAt(workingHours, new Date(now))).toBe(size);
  });

  it('reads the schedules in the pool time zone, not UTC', () => {
    // Prepare: 08:00 in New York is 13:00 UTC in winter.
    const newYork = { ...workingHours, timezone: 'America/New_York' };
    const utc = { ...workingHours, timezone: 'UTC' };

    // Act / Assess
    expect(poolSizeAt(newYork, new Date('2026-11-30T12:59:00Z'))).toBe(0);
    expect(poolSizeAt(newYork, new Date('2026-11-30T13:00:00Z'))).toBe(10);
    expect(poolSizeAt(utc, new Date('2026-11-30T08:00:00Z'))).toBe(10);
  });

  it('follows daylight saving: 08:00 in Berlin is 07:00 UTC in winter and 06:00 UTC in summer', () => {
    // Berlin moves to summer time on Sunday 29 March 2026; the Monday after is 30 March.
    expect(poolSizeAt(workingHours, new Date('2026-03-30T05:59:00Z'))).toBe(0);
    expect(poolSizeAt(workingHours, new Date('2026-03-30T06:00:00Z'))).toBe(10);
    expect(poolSizeAt(workingHours, new Date('2026-03-27T06:30:00Z'))).toBe(0);
    expect(poolSizeAt(workingHours, new Date('2026-03-27T07:00:00Z'))).toBe(10);
  });

  it('fires a time skipped by daylight saving at the first time after the gap, and a repeated time once', () => {
    // Prepare: 02:30 does not exist in Berlin on 29 March 2026, and happens twice on 25 October.
    const night = {
      size: 0,
      timezone: 'Europe/Berlin',
      schedules: [
        { cron: '30 2 * * *', size: 4 },
        { cron: '0 12 * * *', size: 1 },
      ],
    };

    // Act / Assess: the gap's schedule fires at 03:00 summer time (01:00 UTC).
    expect(poolSizeAt(night, new Date('2026-03-29T00:59:00Z'))).toBe(1);
    expect(poolSizeAt(night, new Date('2026-03-29T01:00:00Z'))).toBe(4);
    // On 25 October 02:00–03:00 happens twice: 02:30 and 02:45 fire in the first (00:30 and 00:45
    // UTC), and 02:30 does not fire again in the second (01:30 UTC).
    const repeated = {
      ...night,
      schedules: [
        { cron: '30 2 * * *', size: 4 },
        { cron: '45 2 * * *', size: 1 },
      ],
    };
    expect(poolSizeAt(repeated, new Date('2026-10-25T00:35:00Z'))).toBe(4);
    expect(poolSizeAt(repeated, new Date('2026-10-25T00:50:00Z'))).toBe(1);
    expect(poolSizeAt(repeated, new Date('2026-10-25T01:35:00Z'))).toBe(1);
  });

  it('keeps the base size with no schedules, or none that fired within a year', () => {
    expect(poolSizeAt({ size: 3, timezone: 'UTC', schedules: [] }, new Date('2026-11-30T00:00:00Z'))).toBe(3);
    const leapDay = { size: 3, timezone: 'UTC', schedules: [{ cron: '0 0 29 2 *', size: 9 }] };
    expect(poolSizeAt(leapDay, new Date('2026-11-30T00:00:00Z'))).toBe(3);
    expect(poolSizeAt(leapDay, new Date('2024-03-01T00:00:00Z'))).toBe(9);
  });

  it('lets the later listed of two schedules firing at the same minute win', () => {
    const both = {
      size: 0,
      timezone: 'UTC',
      schedules: [
        { cron: '0 8 * * *', size: 5 },
        { cron: '0 8 * * 1', size: 8 },
      ],
    };
    expect(poolSizeAt(both, new Date('2026-11-30T09:00:00Z'))).toBe(8);
    expect(poolSizeAt(both, new Date('2026-12-01T09:00:00Z'))).toBe(5);
  });
});
