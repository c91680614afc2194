import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryRunnerCluster } from '../../lib/adapters/inMemoryRunnerCluster.ts';
import { SqsJobQueue } from '../../lib/adapters/sqsJobQueue.ts';
import type { JobMessage } from '../../lib/jobMessage.ts';
import { createScalerHandler } from '../../lib/scaler/createScalerHandler.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { jobMessage, testConfigWithMaxRunners } from '../helpers/factories.ts';
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

const body = (message: JobMessage) => JSON.stringify(message);

describe('scaler handler on a real SQS protocol (fauxqs)', () => {
  it('creates runners, delays jobs over capacity on SQS, and parks unreadable messages in the DLQ', async () => {
    // Prepare
    const config = testConfigWithMaxRunners(2);
    const cluster = new InMemoryRunnerCluster();
    const queue = new SqsJobQueue({ queueUrl: sqs.jobQueueUrl, deadLetterQueueUrl: sqs.deadLetterQueueUrl });
    const handler = createScalerHandler({
      config,
      cluster,
      registry: new ScriptedRegistry(),
      queue,
      log: captureLog(),
      metrics: new MetricsRecorder(),
    });
    const jobs = [1, 2, 3].map((jobId) => jobMessage({ jobId }));

    // Act
    const response = await handler(sqsEvent([...jobs.map(body), 'not json']), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(cluster.pods.size).toBe(2);
    const delayed = sqs.inspect('jobs')?.messages.delayed ?? [];
    expect(delayed).toHaveLength(1);
    expect(JSON.parse(delayed[0]?.body ?? '')).toMatchObject({ attempt: 1, failures: 0 });
    const deadLetters = sqs.messagesOf('dead-letters');
    expect(deadLetters.map((message) => message.body)).toEqual(['not json']);
    expect(deadLetters[0]?.messageAttributes?.reason?.StringValue).toMatch(/^not JSON/);
  });

  it('reports exactly the records it could not settle when the queue itself fails', async () => {
    // Prepare: jobs over capacity must go back on the queue, but that queue does not exist.
    const config = testConfigWithMaxRunners(1);
    const queue = new SqsJobQueue({
      queueUrl: `${sqs.endpoint}/111111111111/missing`,
      deadLetterQueueUrl: sqs.deadLetterQueueUrl,
    });
    const handler = createScalerHandler({
      config,
      cluster: new InMemoryRunnerCluster(),
      registry: new ScriptedRegistry(),
      queue,
      log: captureLog(),
      metrics: new MetricsRecorder(),
    });

    // Act
    const response = await handler(
      sqsEvent([body(jobMessage({ jobId: 10 })), body(jobMessage({ jobId: 11 }))]),
      lambdaContext(),
    );

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
  });
});
