/** GitHub's secondary limit as the stand-in enforces it, once a test turns it on. */
export interface SecondaryLimit {
  /** Points an endpoint takes in one window: GitHub's is 900 a minute. */
  pointsPerWindow: number;
  /** @default 60000, GitHub's minute */
  windowMs?: number;
}

/** A refusal as GitHub answers a secondary-limit breach: 403, with the seconds to wait. */
export interface SecondaryLimitAnswer {
  status: 403;
  headers: Record<string, string>;
  body: { message: string; documentation_url: string };
}

/** Points per request, as GitHub documents them: 1 for a read, 5 for a write (POST, PATCH, PUT, DELETE). */
function pointsOf(method: string): number {
  return method === 'GET' || method === 'HEAD' ? 1 : 5;
}

/**
 * Points spent per endpoint (method and path, IDs left out) over a sliding window. A request that
 * would go above the limit is refused, and spends nothing, as GitHub does; `retry-after` says when
 * the window has room again.
 */
export class StandInSecondaryLimit {
  private readonly spent = new Map<string, { atMs: number; points: number }[]>();
  private readonly limit: Required<SecondaryLimit>;
  /** Requests refused, by endpoint. */
  readonly refused = new Map<string, number>();

  constructor(limit: SecondaryLimit) {
    this.limit = { windowMs: 60_000, ...limit };
  }

  /** The refusal for this request, or undefined if the endpoint has room (its points are then spent). */
  charge(method: string, path: string, nowMs = Date.now()): SecondaryLimitAnswer | undefined {
    const endpoint = `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
    const recent = (this.spent.get(endpoint) ?? []).filter(({ atMs }) => atMs > nowMs - this.limit.windowMs);
    const points = pointsOf(method);
    const used = recent.reduce((sum, spend) => sum + spend.points, 0);
    this.spent.set(endpoint, recent);
    if (used + points <= this.limit.pointsPerWindow) {
      recent.push({ atMs: nowMs, points });
      return undefined;
    }
    this.refused.set(endpoint, (this.refused.get(endpoint) ?? 0) + 1);
    const oldest = recent[0]?.atMs ?? nowMs;
    const retryAfter = Math.max(1, Math.ceil((oldest + this.limit.windowMs - nowMs) / 1000));
    return {
      status: 403,
      headers: { 'retry-after': String(retryAfter) },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url:
          'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      },
    };
  }
}
