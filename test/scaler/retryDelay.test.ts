import { describe, expect, it } from 'vitest';
import { errorRetryDelaySeconds, runWaitDelaySeconds } from '../../lib/scaler/retryDelay.ts';

describe('the delay after an error', () => {
  it('starts at 5 s and doubles up to a minute, so a job never waits long for its runner', () => {
    // Act
    const delays = [0, 1, 2, 3, 4, 5, 15].map((failures) => errorRetryDelaySeconds(failures));

    // Assess
    expect(delays).toEqual([5, 10, 20, 40, 60, 60, 60]);
  });

  it('is never shorter than the other side asked for, up to SQS longest delay', () => {
    expect(errorRetryDelaySeconds(0, 120)).toBe(120);
    expect(errorRetryDelaySeconds(0, 3600)).toBe(900);
  });
});

describe("the delay before looking again at a killed job's run", () => {
  it('is a minute for the first ten looks, so most runs are re-run within a minute of their end, then doubles to 15 minutes', () => {
    // Act
    const delays = [0, 1, 9, 10, 11, 12, 13, 30].map((attempt) => runWaitDelaySeconds(attempt));

    // Assess
    expect(delays).toEqual([60, 60, 60, 120, 240, 480, 900, 900]);
  });
});
