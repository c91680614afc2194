import { AutoscalerError } from '../errors.ts';
import { aroundEachCall } from '../util/aroundEachCall.ts';

/**
 * What the records of a batch leave of the invocation's time once their deadline passes: putting an
 * unfinished record back on the queue (one SendMessage, which the SQS adapter gives up after 5 s)
 * and returning the batch response.
 */
export const RECORD_DEADLINE_MARGIN_MS = 6_000;

/** How long the records of a batch may take, given the time the invocation has left. */
export function timeForRecordsMs(remainingTimeMs: number): number {
  return Math.max(0, remainingTimeMs - RECORD_DEADLINE_MARGIN_MS);
}

/** What a record's work rejects with once the deadline passed. */
export function recordDeadlinePassed(): AutoscalerError {
  return new AutoscalerError(
    `not handled by the record deadline (the invocation's remaining time less ${RECORD_DEADLINE_MARGIN_MS / 1000} s); it is redone from the message`,
    { kind: 'deadline', retryable: true },
  );
}

/**
 * The port, refusing every call begun after the deadline. Work abandoned at the deadline is not
 * stopped, and Lambda thaws it in a later invocation of the same instance, maybe after the record
 * was redone: from then on it may not touch the cluster or GitHub, so it cannot overwrite what the
 * redone record made (a runner Secret is written without a precondition).
 */
export function refusingAfterDeadline<Port extends object>(deadline: AbortSignal, port: Port): Port {
  return aroundEachCall(port, (call) => (deadline.aborted ? Promise.reject(recordDeadlinePassed()) : call()));
}
