import { describe, expect, inject, it } from 'vitest';
import { invariantsHold, runChaos, summaryLine } from './runChaos.ts';

describe('chaos on the real control plane', () => {
  it('serves every job, leaks nothing, deletes or evicts no busy runner and parks nothing, whatever fails', {
    timeout: 360_000,
  }, async () => {
    // Act: an unannounced job waits a minute for the stranded-job sweep, so settling may take minutes.
    const summary = await runChaos(inject('controlPlane'), { jobs: 40, timeoutSeconds: 300 });

    // Assess
    process.stdout.write(`${summaryLine(summary)}\n${JSON.stringify(summary.details)}\n`);
    expect(summary, JSON.stringify(summary.details)).toMatchObject({
      lost: 0,
      leaked: 0,
      busyDeleted: 0,
      disruptedBusy: 0,
      dlq: 0,
    });
    expect(summary.served).toBeGreaterThan(30);
    expect(invariantsHold(summary)).toBe(true);
  });
});
