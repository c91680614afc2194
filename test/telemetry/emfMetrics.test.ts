import { afterEach, describe, expect, it } from 'vitest';
import { EmfMetrics } from '../../lib/adapters/emfMetrics.ts';
import { METRICS } from '../../lib/telemetry/metricCatalog.ts';
import { captureOutput, parseEmf } from '../helpers/capturedOutput.ts';

let stdout: ReturnType<typeof captureOutput>;
afterEach(() => stdout?.restore());

describe('EmfMetrics (Powertools embedded metric format)', () => {
  it('writes one EMF document per dimension set, with exactly the catalog dimensions and units', () => {
    // Prepare
    stdout = captureOutput();
    const metrics = new EmfMetrics({ namespace: 'Test/Runners' });

    // Act
    metrics.record('JobWaitTime', 4, { RunnerClass: 'linux-small' });
    metrics.record('JobWaitTime', 40, { RunnerClass: 'linux-small' });
    metrics.record('JobsStarted', 2, { RunnerClass: 'linux-small' });
    metrics.record('JobWaitTime', 7, { RunnerClass: 'gpu' });
    metrics.record('Errors', 1, { Kind: 'github-rate-limit' });
    metrics.publish();
    stdout.restore();

    // Assess
    expect(stdout.lines()).toHaveLength(3);
    const data = parseEmf(stdout.lines());
    expect(data).toEqual(
      expect.arrayContaining([
        {
          namespace: 'Test/Runners',
          name: 'JobWaitTime',
          unit: 'Seconds',
          values: [4, 40],
          dimensions: { RunnerClass: 'linux-small' },
        },
        {
          namespace: 'Test/Runners',
          name: 'JobsStarted',
          unit: 'Count',
          values: [2],
          dimensions: { RunnerClass: 'linux-small' },
        },
        expect.objectContaining({ name: 'JobWaitTime', values: [7], dimensions: { RunnerClass: 'gpu' } }),
        expect.objectContaining({ name: 'Errors', dimensions: { Kind: 'github-rate-limit' } }),
      ]),
    );
    for (const datum of data) {
      const spec = METRICS[datum.name as keyof typeof METRICS];
      expect(Object.keys(datum.dimensions).sort()).toEqual([...spec.dimensions].sort());
    }
  });

  it('writes nothing when nothing was recorded since the last publish', () => {
    // Prepare
    stdout = captureOutput();
    const metrics = new EmfMetrics({ namespace: 'Test/Runners' });
    metrics.record('JobsQueued', 1, { RunnerClass: 'linux-small' });
    metrics.publish();

    // Act
    metrics.publish();
    stdout.restore();

    // Assess
    expect(parseEmf(stdout.lines())).toHaveLength(1);
  });
});
