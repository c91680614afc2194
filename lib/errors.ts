export const ERROR_KINDS = [
  'kubernetes',
  'github',
  'github-rate-limit',
  'aws',
  'invalid-message',
  /** A job message not handled by its record's deadline: something it waited on was too slow. */
  'deadline',
  'unexpected',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/**
 * Every error the autoscaler raises on purpose. `retryable` says whether the same work may succeed
 * later (a timeout, a 5xx, a rate limit) or never will as it stands (a 403, a bad request).
 */
export class AutoscalerError extends Error {
  override name = 'AutoscalerError';
  /** Which system failed; it becomes the `Kind` dimension of the Errors metric. */
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  /** Seconds the other side asked us to wait, when it said (`retry-after`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    options: { kind: ErrorKind; retryable: boolean; retryAfterSeconds?: number | undefined; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.kind = options.kind;
    this.retryable = options.retryable;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The configuration is invalid; the message names the field and how to fix it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function isRetryable(error: unknown): boolean {
  return !(error instanceof AutoscalerError) || error.retryable;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The system behind an error; anything not raised on purpose is `unexpected`. */
export function errorKind(error: unknown): ErrorKind {
  return error instanceof AutoscalerError ? error.kind : 'unexpected';
}
