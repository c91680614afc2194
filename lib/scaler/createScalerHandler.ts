import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { JobQueue } from '../ports.ts';
import { processJobRecord } from './processJobRecord.ts';
import { newBatchContext, type ScalerDependencies } from './scalerContext.ts';

/**
 * The scaler's SQS batch handler: records run concurrently, and only those whose message could not
 * be settled (the queue itself failed) are reported back for SQS to deliver again. A record still
 * unfinished shortly before the function would time out is put back on the queue like any retry,
 * instead of the timeout hiding the whole batch until its visibility timeout passes.
 */
export function createScalerHandler(
  dependencies: ScalerDependencies & { queue: JobQueue },
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return (event, context) => {
    const batch = newBatchContext(dependencies, context.getRemainingTimeInMillis());
    return processPartialResponse(
      event,
      (record: SQSRecord) => processJobRecord(record.body, batch, dependencies.queue),
      processor,
      { context, processInParallel: true, throwOnFullBatchFailure: false },
    );
  };
}
