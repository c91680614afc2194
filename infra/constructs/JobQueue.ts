import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface JobQueueProps {
  /** The scaler's timeout; the visibility timeout is six times this, as Lambda requires. */
  readonly scalerTimeout: Duration;
  /** Deliveries before a record the scaler could not settle moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
}

/**
 * The queue between webhook and scaler, and its dead-letter queue. Both are encrypted and refuse
 * requests without TLS. The scaler puts jobs back itself (with a delay) when it must wait, so a record
 * only fails over to the dead-letter queue when the scaler could not even do that.
 */
export class JobQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Jobs', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.scalerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
  }
}
