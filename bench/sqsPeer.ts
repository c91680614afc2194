import { startLocalSqs } from '../test/helpers/localAws.ts';

/** Runs fauxqs in its own process, so the benchmark's SQS peer does not share its event loop. */
const sqs = await startLocalSqs();
process.stdout.write(`${JSON.stringify({ endpoint: sqs.endpoint, jobQueueUrl: sqs.jobQueueUrl })}\n`);
process.on('SIGTERM', () => sqs.stop().then(() => process.exit(0)));
