import { describe, expect, it } from 'vitest';
import { AutoscalerError } from '../../lib/errors.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { completedOn, evictAndKeepRunner, runnerFor, runnerThatTookAJob } from '../helpers/killedRunners.ts';
import { livePod } from '../helpers/livePod.ts';
import type { RecordingQueue } from '../helpers/scalerHarness.ts';

/** SQS refuses the first `rerun` message it is sent. */
function failFirstRerunSend(queue: RecordingQueue): void {
  const send = queue.send.bind(queue);
  let failures = 1;
  queue.send = async (message, options) => {
    if (message.action === 'rerun' && failures-- > 0)
      throw new AutoscalerError('sqs SendMessage failed: no answer within 5000 ms', {
        kind: 'aws',
        retryable: true,
      });
    return send(message, options);
  };
}

/**
 * Delivers the message as SQS does: a record the scaler could not settle (it threw, a batch item
 * failure) comes again as it was; one it put back on the queue comes as it was sent.
 */
async function deliverUntilSettled(
  runBatch: (...messages: JobMessage[]) => Promise<unknown[]>,
  queue: RecordingQueue,
  message: JobMessage,
): Promise<void> {
  let pending = [message];
  for (let delivery = 0; delivery < 5 && pending.length > 0; delivery++) {
    const sentBefore = queue.sent.length;
    const settled = await runBatch(...pending).then(
      () => true,
      () => false,
    );
    const putBack = queue.sent.slice(sentBefore).map((sent) => sent.message);
    pending = settled ? putBack.filter(({ action }) => action === message.action) : pending;
  }
}

const reruns = (queue: RecordingQueue) =>
  queue.sent.filter(({ message }) => message.action === 'rerun').map(({ message }) => message.jobId);

describe("a killed runner's re-run when SQS fails to take it", () => {
  it('is sent again by the retried completed, the pod being marked only once it was sent', async () => {
    // Prepare: runner 110 ran its job and was evicted; SQS refuses the first re-run sent.
    const { cluster, queue, runBatch } = await runnerThatTookAJob(110);
    cluster.setPhase(runnerFor(110), 'Failed', 'evicted', 'evicted');
    const pod = await livePod(cluster, runnerFor(110));
    failFirstRerunSend(queue);

    // Act
    await deliverUntilSettled(runBatch, queue, completedOn(pod, 110, 500));

    // Assess
    expect(reruns(queue)).toEqual([110]);
    expect((await livePod(cluster, runnerFor(110))).annotations[ANNOTATION.rerunQueued]).toBe('true');
  });

  it('is sent by the retried completed when the pod is gone and its kept runner was claimed', async () => {
    // Prepare: job 112 ran on runner 113 unannounced; it was killed, its runner kept and its pod
    // removed before the completed came. SQS refuses the first re-run sent.
    const { cluster, queue, runBatch } = await runnerThatTookAJob(113, 112);
    const pod = await evictAndKeepRunner(cluster, 113);
    await cluster.deletePod(pod);
    failFirstRerunSend(queue);

    // Act
    await deliverUntilSettled(runBatch, queue, completedOn(pod, 112, 500));

    // Assess
    expect(reruns(queue)).toEqual([112]);
  });
});
