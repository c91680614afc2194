import { describe, expect, it } from 'vitest';
import { AutoscalerError } from '../../lib/errors.ts';
import { jobMessage, testConfig, testConfigWithMaxRunners } from '../helpers/factories.ts';
import { scalerHarness } from '../helpers/scalerHarness.ts';

const linuxSmall = { RunnerClass: 'linux-small' };
const dimensionsAndValues = (points: { value: number; dimensions: Record<string, string> }[]) =>
  points.map(({ value, dimensions }) => ({ value, dimensions }));

describe('scaler metrics', () => {
  it('counts the runner pods it creates and the jobs it turns away at capacity', async () => {
    // Prepare
    const config = testConfigWithMaxRunners(2);
    const { metrics, runBatch } = scalerHarness(config);

    // Act
    await runBatch(...[1, 2, 3].map((jobId) => jobMessage({ jobId })));

    // Assess
    expect(metrics.total('RunnerPodsCreated', linuxSmall)).toBe(2);
    expect(metrics.total('AtCapacityRejections', linuxSmall)).toBe(1);
  });

  it('measures runner start latency from pod creation to the start GitHub reports', async () => {
    // Prepare: the pod is created at 10:00:00; GitHub starts the job on it 12.5 s later.
    const createdAt = new Date('2026-11-28T10:00:00Z');
    const { metrics, registry, runBatch } = scalerHarness(testConfig(), () => createdAt);
    await runBatch(jobMessage({ jobId: 5 }));

    // Act
    await runBatch(
      jobMessage({
        jobId: 5,
        action: 'in_progress',
        runnerName: 'linux-small-5',
        runnerId: registry.runnerIds.get('linux-small-5'),
        startedAt: '2026-11-28T10:00:12.500Z',
      }),
    );

    // Assess
    expect(dimensionsAndValues(metrics.points('RunnerStartLatency'))).toEqual([
      { value: 12.5, dimensions: linuxSmall },
    ]);
  });

  it('counts deleted pods by why: the job finished, or no job needed the runner', async () => {
    // Prepare
    const { metrics, registry, runBatch } = scalerHarness();
    await runBatch(jobMessage({ jobId: 6 }), jobMessage({ jobId: 7 }));

    // Act
    await runBatch(
      jobMessage({
        jobId: 6,
        action: 'completed',
        runnerName: 'linux-small-6',
        runnerId: registry.runnerIds.get('linux-small-6'),
      }),
      jobMessage({ jobId: 7, action: 'completed', runnerName: null }),
    );

    // Assess
    expect(metrics.total('RunnerPodsDeleted', { ...linuxSmall, Reason: 'job-finished' })).toBe(1);
    expect(metrics.total('RunnerPodsDeleted', { ...linuxSmall, Reason: 'unused' })).toBe(1);
  });

  it('counts errors by the system that failed, and unreadable messages', async () => {
    // Prepare
    const { cluster, log, metrics, registry, queue, runBatch } = scalerHarness();
    registry.failNextRegistration = new AutoscalerError('GitHub: rate limited (429)', {
      kind: 'github-rate-limit',
      retryable: true,
      retryAfterSeconds: 60,
    });
    const { processJobRecord } = await import('../../lib/scaler/processJobRecord.ts');
    const { newBatchContext } = await import('../../lib/scaler/scalerContext.ts');

    // Act
    await runBatch(jobMessage({ jobId: 8 }));
    await processJobRecord(
      'not json',
      newBatchContext({ config: testConfig(), cluster, registry, log, metrics }),
      queue,
    );

    // Assess
    expect(dimensionsAndValues(metrics.points('Errors'))).toEqual([
      { value: 1, dimensions: { Kind: 'github-rate-limit' } },
      { value: 1, dimensions: { Kind: 'invalid-message' } },
    ]);
  });

  describe('how long a queued job has waited on GitHub when it is sent back to wait', () => {
    // GitHub queued the job at 10:00:00; the scaler, which sent it back before, handles it at 10:15:00.
    const createdAt = '2026-11-28T10:00:00Z';
    const handledAt = () => new Date('2026-11-28T10:15:00Z');
    type Harness = ReturnType<typeof scalerHarness>;

    it.each<[string, number, (harness: Harness) => Promise<void>]>([
      ['its class is at capacity', 1, ({ runBatch }) => runBatch(jobMessage({ jobId: 30 })).then(() => {})],
      [
        'GitHub rate-limits it',
        10,
        async ({ registry }) => {
          registry.failNextRegistration = new AutoscalerError('GitHub: rate limited (429)', {
            kind: 'github-rate-limit',
            retryable: true,
            retryAfterSeconds: 60,
          });
        },
      ],
      [
        'GitHub fails',
        10,
        async ({ registry }) => {
          registry.failNextRegistration = new AutoscalerError('GitHub: 502 Bad Gateway', {
            kind: 'github',
            retryable: true,
          });
        },
      ],
    ])('records it when %s', async (_, maxRunners, prepare) => {
      // Prepare
      const harness = scalerHarness(testConfigWithMaxRunners(maxRunners), handledAt);
      await prepare(harness);

      // Act
      await harness.runBatch(jobMessage({ jobId: 31, createdAt, attempt: 1 }));

      // Assess
      expect(harness.queue.sent.map(({ message }) => message.jobId)).toEqual([31]);
      expect(dimensionsAndValues(harness.metrics.points('JobWaitingSeconds'))).toEqual([
        { value: 900, dimensions: linuxSmall },
      ]);
    });

    it('records nothing for a job that gets its runner, nor for a finished job sent back', async () => {
      // Prepare
      const { cluster, metrics, queue, runBatch } = scalerHarness(testConfig(), handledAt);
      await runBatch(jobMessage({ jobId: 32, createdAt }));
      cluster.readPod = async () => {
        throw new AutoscalerError('Kubernetes: 503', { kind: 'kubernetes', retryable: true });
      };

      // Act
      await runBatch(jobMessage({ jobId: 32, createdAt, action: 'completed', runnerName: 'linux-small-32' }));

      // Assess
      expect(queue.sent.map(({ message }) => message.action)).toEqual(['completed']);
      expect(metrics.points('JobWaitingSeconds')).toEqual([]);
    });
  });
});
