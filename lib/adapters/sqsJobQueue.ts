import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobMessage } from '../jobMessage.ts';
import type { JobQueue } from '../ports.ts';

/** JobQueue on SQS: the job queue, and its dead-letter queue for messages the scaler gives up on. */
export class SqsJobQueue implements JobQueue {
  private readonly sqs: SQSClient;
  private readonly queueUrl: string;
  private readonly deadLetterQueueUrl: string | undefined;

  constructor(options: { sqs: SQSClient; queueUrl: string; deadLetterQueueUrl?: string }) {
    this.sqs = options.sqs;
    this.queueUrl = options.queueUrl;
    this.deadLetterQueueUrl = options.deadLetterQueueUrl;
  }

  async send(message: JobMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: options.delaySeconds,
      }),
    );
  }

  async sendToDeadLetter(body: string, reason: string): Promise<void> {
    if (!this.deadLetterQueueUrl) throw new Error('no dead-letter queue configured');
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: body,
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
      }),
    );
  }
}
