import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { AutoscalerError } from '../errors.ts';

export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The API server refused to change an object's UID: the object of that name is another one now. */
export function isUidMismatch(error: unknown): boolean {
  if (statusOf(error) !== 422 || !(error instanceof ApiException)) return false;
  const causes = parsedBody(error.body)?.details?.causes ?? [];
  return causes.some((cause) => cause.field === 'metadata.uid');
}

/**
 * Server errors, throttling, expired credentials and network failures may pass, and so may a
 * conflict (409): it is optimistic concurrency, someone else wrote first, not a verdict on the job.
 * A refused or invalid request (403 from RBAC, 422 from validation) will not, so it is not retried.
 * Calls for which a 409 means something (AlreadyExists on create, a UID precondition) handle it first.
 */
export function kubernetesError(error: unknown, action: string): AutoscalerError {
  if (!(error instanceof ApiException)) {
    return new AutoscalerError(`Kubernetes ${action} failed: ${(error as Error)?.message ?? error}`, {
      kind: 'kubernetes',
      retryable: true,
      cause: error,
    });
  }
  const status = error.code;
  const retryable = status >= 500 || status === 429 || status === 401 || status === 409;
  const retryAfter = Number(error.headers?.['retry-after']);
  return new AutoscalerError(`Kubernetes ${action} failed (${status}): ${serverMessage(error.body)}`, {
    kind: 'kubernetes',
    retryable,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    cause: error,
  });
}

interface StatusBody {
  message?: string;
  details?: { causes?: { field?: string }[] };
}

function parsedBody(body: unknown): StatusBody | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as StatusBody;
  } catch {
    return undefined;
  }
}

function serverMessage(body: unknown): string {
  if (typeof body !== 'string') return 'no details';
  return parsedBody(body)?.message ?? body.slice(0, 300);
}
