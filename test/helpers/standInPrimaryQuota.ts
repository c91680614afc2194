/** GitHub's primary rate limit, as the stand-in keeps it for each caller. */
export interface PrimaryQuota {
  /** Requests a caller may make in one window: an installation's is 5,000 an hour. @default 5000 */
  requestsPerWindow?: number;
  /** @default 3600000, GitHub's hour */
  windowMs?: number;
}

/** A refusal as GitHub answers an exhausted quota: 403, `x-ratelimit-remaining: 0`, until the reset. */
export interface PrimaryQuotaAnswer {
  status: 403;
  /** None beyond the quota's own, which every answer carries. */
  headers: Record<string, never>;
  body: { message: string; documentation_url: string };
}

const DOCUMENTATION =
  'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit';

/**
 * Requests per caller (an installation's token, or an App's JWT) in fixed windows, from its first
 * request, as GitHub counts them: every answer carries `x-ratelimit-limit`, `-remaining`, `-used`,
 * `-reset` (epoch seconds) and `-resource: core`. Once enforced, a request beyond the quota is refused
 * with 403 and `x-ratelimit-remaining: 0` until the reset, and spends nothing. Until a test enforces
 * it, a caller that runs out starts a new window instead, so that long runs (chaos, the bench) see
 * the headers count down without being refused.
 */
export class StandInPrimaryQuota {
  private readonly windows = new Map<string, { resetAtMs: number; used: number }>();
  private readonly limit: Required<PrimaryQuota>;
  private readonly enforced: boolean;
  /** Requests refused, by caller. */
  readonly refused = new Map<string, number>();

  constructor(quota: PrimaryQuota = {}, enforced = false) {
    this.limit = { requestsPerWindow: 5000, windowMs: 3_600_000, ...quota };
    this.enforced = enforced;
  }

  /** The requests the caller spent in its current window. */
  usedBy(caller: string, nowMs = Date.now()): number {
    const window = this.windows.get(caller);
    return window && window.resetAtMs > nowMs ? window.used : 0;
  }

  /**
   * Spends one of the caller's requests: the headers GitHub sends with the answer, and the refusal
   * instead of the answer once the quota is spent. `caller` names it in the refusal, as GitHub does
   * ("installation ID 42").
   */
  charge(
    caller: string,
    nowMs = Date.now(),
  ): { headers: Record<string, string>; refusal?: PrimaryQuotaAnswer } {
    const { requestsPerWindow, windowMs } = this.limit;
    let window = this.windows.get(caller);
    const spent = window && window.used >= requestsPerWindow;
    if (!window || window.resetAtMs <= nowMs || (spent && !this.enforced)) {
      window = { resetAtMs: nowMs + windowMs, used: 0 };
      this.windows.set(caller, window);
    }
    const refused = window.used >= requestsPerWindow;
    if (!refused) window.used += 1;
    const headers = {
      'x-ratelimit-limit': String(requestsPerWindow),
      'x-ratelimit-remaining': String(requestsPerWindow - window.used),
      'x-ratelimit-used': String(window.used),
      'x-ratelimit-reset': String(Math.ceil(window.resetAtMs / 1000)),
      'x-ratelimit-resource': 'core',
    };
    if (!refused) return { headers };
    this.refused.set(caller, (this.refused.get(caller) ?? 0) + 1);
    return {
      headers,
      refusal: {
        status: 403,
        headers: {},
        body: { message: `API rate limit exceeded for ${caller}.`, documentation_url: DOCUMENTATION },
      },
    };
  }
}
