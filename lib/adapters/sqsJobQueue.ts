import type { JobMessage } from '../jobMessage.ts';
import type { JobQueue } from '../ports.ts';
import { awsJsonApi } from './awsApi.ts';

/** JobQueue on SQS: the job queue, and its dead-letter queue for messages the scaler gives up on. */
export class SqsJobQueue implements JobQueue {
  private readonly call = awsJsonApi({ service: 'sqs', jsonVersion: '1.0', targetPrefix: 'AmazonSQS' });
  private readonly queueUrl: string;
  private readonly deadLetterQueueUrl: string | undefined;

  constructor(options: { queueUrl: string; deadLetterQueueUrl?: string }) {
    this.queueUrl = options.queueUrl;
    this.deadLetterQueueUrl = options.deadLetterQueueUrl;
  }

  async send(message: JobMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    await this.call('SendMessage', {
      QueueUrl: this.queueUrl,
      MessageBody: JSON.stringify(message),
      ...(options.delaySeconds && { DelaySeconds: options.delaySeconds }),
    });
  }

  async sendToDeadLetter(body: string, reason: string): Promise<void> {
    if (!this.deadLetterQueueUrl) throw new Error('no dead-letter queue configured');
    await this.call('SendMessage', {
      QueueUrl: this.deadLetterQueueUrl,
      MessageBody: body,
      MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
    });
  }
}
