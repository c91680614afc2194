import { describe, expect, it } from 'vitest';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { jobMessage, testConfig, testConfigWithMaxRunners } from '../helpers/factories.ts';
import { scalerHarness } from '../helpers/scalerHarness.ts';

/** GitHub queued every job here at 10:00; the scaler first sees each at 10:30, long after. */
const createdAt = '2026-11-28T10:00:00Z';

/** The scaler harness on a clock the test moves, starting at 10:30. */
function harnessAtHalfPast(config: AutoscalerConfig = testConfig()) {
  let clock = new Date('2026-11-28T10:30:00Z');
  const harness = scalerHarness(config, () => clock);
  const advance = (milliseconds: number) => {
    clock = new Date(clock.getTime() + milliseconds);
  };
  /** Takes what the scaler put back on the queue, once its delay has passed. */
  const delivered = (): JobMessage[] => {
    const sent = harness.queue.sent.splice(0);
    advance(Math.max(0, ...sent.map(({ delaySeconds }) => delaySeconds ?? 0)) * 1000);
    return sent.map(({ message }) => message);
  };
  return { ...harness, advance, delivered, now: () => clock };
}

describe('scaler on a job GitHub holds for an approval', () => {
  it('makes no runner and takes no place for it, and looks at it again in a minute', async () => {
    // Prepare: the class has one place; job 301 waits for an approval, 302 may run.
    const { cluster, registry, queue, metrics, runBatch } = harnessAtHalfPast(testConfigWithMaxRunners(1));
    registry.jobs.set(301, 'waiting');

    // Act
    const [held] = await runBatch(jobMessage({ jobId: 301, createdAt }));
    await runBatch(jobMessage({ jobId: 302, createdAt }));

    // Assess
    expect(held).toMatchObject({ kind: 'hand-over', delaySeconds: 60 });
    expect([...cluster.pods.keys()]).toEqual(['linux-small-302']);
    expect(registry.registered.map(({ name }) => name)).toEqual(['linux-small-302']);
    expect(queue.sent).toEqual([
      {
        message: expect.objectContaining({
          jobId: 301,
          action: 'queued',
          attempt: 0,
          failures: 0,
          waitingChecks: 1,
        }),
        delaySeconds: 60,
      },
    ]);
    expect(metrics.total('JobsWaitingForApproval', { RunnerClass: 'linux-small' })).toBe(1);
    expect(metrics.points('JobWaitingSeconds')).toEqual([]);
    expect(queue.deadLetters).toEqual([]);
  });

  it('looks twice as long each time, up to waitingJobRecheckMaxSeconds, and never dead-letters it', async () => {
    // Prepare
    const { registry, queue, metrics, runBatch, delivered } = harnessAtHalfPast();
    registry.jobs.set(303, 'waiting');
    await runBatch(jobMessage({ jobId: 303, createdAt }));

    // Act: twenty more looks, four and a half hours of waiting.
    const delays: (number | undefined)[] = [queue.sent[0]?.delaySeconds];
    for (let look = 0; look < 20; look++) {
      await runBatch(...delivered());
      delays.push(queue.sent[0]?.delaySeconds);
    }

    // Assess
    expect(delays.slice(0, 7)).toEqual([60, 120, 240, 480, 900, 900, 900]);
    expect(new Set(delays.slice(4))).toEqual(new Set([900]));
    expect(queue.sent.map(({ message }) => [message.waitingChecks, message.failures])).toEqual([[21, 0]]);
    expect(metrics.total('JobsWaitingForApproval')).toBe(21);
    expect(queue.deadLetters).toEqual([]);
  });

  it('makes the runner at the first look after GitHub lets the job run', async () => {
    // Prepare
    const { cluster, registry, queue, runBatch, delivered } = harnessAtHalfPast();
    registry.jobs.set(304, 'waiting');
    await runBatch(jobMessage({ jobId: 304, createdAt }));
    await runBatch(...delivered());

    // Act: approved; the next look comes two minutes on.
    registry.jobs.set(304, 'queued');
    const [outcome] = await runBatch(...delivered());

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'created' });
    expect(await cluster.readPod('linux-small-304')).toMatchObject({ gated: false });
    expect(queue.sent).toEqual([]);
  });

  it('stops looking once GitHub ended the job (rejected, cancelled), or it waited waitingJobMaxHours', async () => {
    // Prepare: 305 was rejected while it waited; 306 has waited three days, beyond the 48 hours here.
    const config = testConfig({ reconciler: { waitingJobMaxHours: 48 } });
    const { cluster, registry, queue, metrics, runBatch, delivered } = harnessAtHalfPast(config);
    registry.jobs.set(305, 'waiting');
    await runBatch(jobMessage({ jobId: 305, createdAt }));
    registry.jobs.set(305, 'completed');
    registry.jobs.set(306, 'waiting');

    // Act
    const outcomes = await runBatch(
      ...delivered(),
      jobMessage({ jobId: 306, createdAt: '2026-11-25T10:00:00Z' }),
    );

    // Assess
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['done', 'done']);
    expect(outcomes[1]).toMatchObject({
      result: expect.stringMatching(/still waits for an approval after 48 h/),
    });
    expect(queue.sent).toEqual([]);
    expect(queue.deadLetters).toEqual([]);
    expect(cluster.pods.size).toBe(0);
    expect(metrics.total('JobsWaitingForApproval')).toBe(1);
  });

  it("counts a late job's wait for a runner from when the scaler first saw it, not the approval's hours", async () => {
    // Prepare: job 307 was approved after half an hour; its class is full.
    const { registry, metrics, runBatch, delivered, now } = harnessAtHalfPast(testConfigWithMaxRunners(1));
    await runBatch(jobMessage({ jobId: 300 }));
    const firstSeen = now().toISOString();

    // Act: it comes late, and then once more after its retry delay.
    await runBatch(jobMessage({ jobId: 307, createdAt }));
    const [retried] = delivered();
    if (!retried) throw new Error('test: expected job 307 back on the queue');
    await runBatch(retried);

    // Assess: waits of 0 s and then 5 s, not half an hour; the class is still full.
    expect(retried).toMatchObject({ attempt: 1, waitCountedFrom: firstSeen });
    expect(metrics.points('JobWaitingSeconds').map(({ value }) => value)).toEqual([0, 5]);
    expect(registry.registered.map(({ name }) => name)).toEqual(['linux-small-300']);
  });
});
