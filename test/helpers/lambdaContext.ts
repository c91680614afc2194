import type { Context } from 'aws-lambda';

/** The context Lambda hands an invocation that has `remainingTimeMs` left (a fresh one of 60 s unless told). */
export function lambdaContext(remainingTimeMs = 60_000): Context {
  const endsAt = Date.now() + remainingTimeMs;
  return {
    functionName: 'scaler',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => endsAt - Date.now(),
  } as Context;
}
