import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryRunnerCluster } from '../../lib/adapters/inMemoryRunnerCluster.ts';
import { SqsJobQueue } from '../../lib/adapters/sqsJobQueue.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { runnerPodNameOf, runnerSecretName } from '../../lib/pod/runnerNames.ts';
import { createScalerHandler } from '../../lib/scaler/createScalerHandler.ts';
import { STALE_REGISTRATION_SECONDS } from '../../lib/scaler/ensureRunnerPod.ts';
import { RECORD_DEADLINE_MARGIN_MS } from '../../lib/scaler/recordDeadline.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';
import { localAwsEnvironment, startLocalSqs } from '../helpers/localAws.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { sqsEvent } from '../helpers/sqsEvents.ts';

let sqs: Awaited<ReturnType<typeof startLocalSqs>>;

beforeAll(async () => {
  sqs = await startLocalSqs();
  Object.assign(process.env, localAwsEnvironment({ sqs: sqs.endpoint }));
});
afterAll(() => sqs.stop());

/** What the invocation has left beyond the deadline's margin: how long its records may take. */
const TIME_FOR_RECORDS_MS = 500;
let nextJobId = 7_000;

/**
 * A scaler handler on SQS, a clock the test moves, and a batch of three queued jobs: GitHub answers
 * the registration of the second job's runner only when the test says so.
 */
function scalerWithOneRegistrationHeld() {
  let clock = Date.now();
  const now = () => new Date(clock);
  const cluster = new InMemoryRunnerCluster({ now });
  const registry = new ScriptedRegistry();
  const log = captureLog();
  const metrics = new MetricsRecorder();
  const handler = createScalerHandler({
    config: testConfig(),
    cluster,
    registry,
    queue: new SqsJobQueue({ queueUrl: sqs.jobQueueUrl, deadLetterQueueUrl: sqs.deadLetterQueueUrl }),
    log,
    metrics,
    now,
  });
  const jobs = [0, 1, 2].map(() => jobMessage({ jobId: nextJobId++, createdAt: now().toISOString() }));
  const [first, held, last] = jobs as [JobMessage, JobMessage, JobMessage];
  const answerHeldRegistration = registry.holdRegistration(runnerPodNameOf(held));
  /** The messages the scaler put back on the queue for this job, oldest first. */
  const returnedMessages = (job: JobMessage) =>
    sqs
      .messagesOf('jobs')
      .map(({ body }) => JSON.parse(body) as JobMessage)
      .filter(({ jobId }) => jobId === job.jobId);
  return {
    cluster,
    log,
    metrics,
    first,
    held,
    last,
    answerHeldRegistration,
    returnedMessages,
    invoke: (messages: JobMessage[], remainingTimeMs?: number) =>
      handler(sqsEvent(messages.map((message) => JSON.stringify(message))), lambdaContext(remainingTimeMs)),
    advanceClockSeconds: (seconds: number) => {
      clock += seconds * 1000;
    },
  };
}

describe('a scaler record that passes its deadline', () => {
  it('goes back on the queue before the function times out, and the records that finished keep their outcomes', async () => {
    // Prepare
    const scaler = scalerWithOneRegistrationHeld();
    const remainingTimeMs = RECORD_DEADLINE_MARGIN_MS + TIME_FOR_RECORDS_MS;

    // Act
    const started = Date.now();
    const response = await scaler.invoke([scaler.first, scaler.held, scaler.last], remainingTimeMs);
    const tookMs = Date.now() - started;

    // Assess: no item fails, as the unfinished record went back on the queue itself.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(tookMs).toBeGreaterThanOrEqual(TIME_FOR_RECORDS_MS - 10);
    expect(tookMs).toBeLessThan(remainingTimeMs);
    const gated = (job: JobMessage) => scaler.cluster.pods.get(runnerPodNameOf(job))?.runnerPod.gated;
    expect([gated(scaler.first), gated(scaler.held), gated(scaler.last)]).toEqual([false, true, false]);
    expect(scaler.returnedMessages(scaler.held)).toEqual([
      expect.objectContaining({ action: 'queued', attempt: 1, failures: 1 }),
    ]);
    expect(scaler.returnedMessages(scaler.first)).toEqual([]);
    expect(scaler.log.lines.filter(({ level }) => level === 'warn')).toEqual([
      {
        level: 'warn',
        message: 'job message retried later',
        attributes: expect.objectContaining({
          jobId: scaler.held.jobId,
          reason: expect.stringMatching(/^AutoscalerError: not handled by the record deadline/),
          delaySeconds: 5,
        }),
      },
    ]);
    expect(scaler.metrics.total('Errors', { Kind: 'deadline' })).toBe(1);
  });

  it('loses nothing: its returned message makes the runner, and the abandoned work, answered late, overwrites nothing', async () => {
    // Prepare: the batch leaves the held job's pod made but not registered.
    const scaler = scalerWithOneRegistrationHeld();
    await scaler.invoke(
      [scaler.first, scaler.held, scaler.last],
      RECORD_DEADLINE_MARGIN_MS + TIME_FOR_RECORDS_MS,
    );
    const podName = runnerPodNameOf(scaler.held);
    const abandonedPodUid = scaler.cluster.pods.get(podName)?.runnerPod.uid;

    // Act: a registration left that long is taken for a dead scaler's, so the returned message replaces
    // the pod and comes back once more to make it anew. Only then does GitHub answer the first one.
    scaler.advanceClockSeconds(STALE_REGISTRATION_SECONDS);
    await scaler.invoke([scaler.returnedMessages(scaler.held).at(-1) as JobMessage]);
    await scaler.invoke([scaler.returnedMessages(scaler.held).at(-1) as JobMessage]);
    scaler.answerHeldRegistration();
    await new Promise((resolve) => setImmediate(resolve));

    // Assess
    const pod = scaler.cluster.pods.get(podName)?.runnerPod;
    expect(pod).toMatchObject({ gated: false });
    expect(pod?.uid).not.toBe(abandonedPodUid);
    const secretOwner = scaler.cluster.secrets.get(runnerSecretName(podName))?.metadata?.ownerReferences?.[0];
    expect(secretOwner?.uid).toBe(pod?.uid);
    expect(scaler.metrics.total('RunnerPodsCreated')).toBe(3);
  });
});
