import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { RequestError } from '@octokit/request-error';
import type { GitHubSettings } from '../config/autoscalerConfig.ts';
import { AutoscalerError } from '../errors.ts';
import type { Metrics } from '../ports.ts';
import type { GitHubAppUsage } from './gitHubAppUsage.ts';
import {
  APP_WRITES_KEY,
  DEFAULT_PUSHBACK_SECONDS,
  type GitHubPushback,
  quotaKey,
  routeKey,
  WRITE_METHODS,
} from './gitHubPushback.ts';

export interface GitHubClientOptions {
  github: Pick<GitHubSettings, 'appId' | 'apiUrl'>;
  /** The App's private key, PEM. */
  privateKey: string;
  /** Act as this installation; without it, as the App itself (its JWT), for the `/app` routes. */
  installationId?: number;
  /** Abandon a request after this long. @default 10000 */
  requestTimeoutMs?: number;
  /** Receives the installation's remaining REST quota after each answer. @default none */
  metrics?: Metrics;
  /** For tests: the fetch to use. @default the global fetch */
  fetch?: typeof fetch;
  /** What GitHub pushed back on, shared by every client of the App in this process. @default none */
  pushback?: GitHubPushback;
  /** What the App spent of GitHub's limits, shared likewise. @default none */
  usage?: GitHubAppUsage;
  /** For tests: the clock. @default Date.now */
  nowMs?: () => number;
}

/**
 * Server errors and dropped connections are retried at once, twice, 0.5 s then 2 s apart. Rate limits
 * (429, and 403 with a retry-after) are not: waiting belongs in SQS, where a delayed message costs
 * nothing, not in a Lambda billed while it sleeps. Octokit's throttling plugin is not used for the
 * same reason, and because its write queue (one write a second per process) is slower than the JIT
 * rate GitHub allows while coordinating nothing across Lambda instances.
 */
const RETRY = {
  retries: 2,
  retryAfterBaseValue: 500,
  doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
};
const RetryingOctokit = Octokit.plugin(retry);
export type GitHubClient = InstanceType<typeof RetryingOctokit>;

/**
 * An Octokit for the App (auth-app caches its tokens), with timeouts, retries and rate-limit metrics,
 * that makes no call GitHub has pushed back on until the wait it asked for has passed.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const client = new RetryingOctokit({
    retry: RETRY,
    baseUrl: options.github.apiUrl.replace(/\/$/, ''),
    authStrategy: createAppAuth,
    auth: {
      appId: options.github.appId,
      privateKey: options.privateKey,
      ...(options.installationId !== undefined && { installationId: options.installationId }),
    },
    userAgent: 'eks-runner-autoscaler',
    request: { fetch: timedFetch(options) },
  });
  // The last hook wraps the others: a call held back is never counted as made.
  if (options.usage) countUsage(client, options.usage, options);
  if (options.pushback) holdBackWhenPushedBack(client, options.pushback, options);
  return client;
}

/**
 * A rate-limited answer holds its route (the secondary limit, per endpoint) or the installation's
 * quota (the primary limit); a later call under either is refused here, as GitHub would refuse it,
 * with its turn to try again, and never reaches GitHub. A write the App's usage says would pass the
 * secondary limit holds the App's writes likewise, before GitHub has to refuse one.
 */
function holdBackWhenPushedBack(
  client: GitHubClient,
  pushback: GitHubPushback,
  options: GitHubClientOptions,
) {
  const nowMs = options.nowMs ?? Date.now;
  const quota = quotaKey(options.installationId);
  client.hook.wrap('request', async (request, endpoint) => {
    const route = routeKey(endpoint.method, endpoint.url);
    const write = WRITE_METHODS.has(endpoint.method);
    const writeRoomInMs = write ? (options.usage?.msUntilWriteRoom(nowMs()) ?? 0) : 0;
    if (writeRoomInMs > 0) pushback.pushedBack(APP_WRITES_KEY, writeRoomInMs / 1000, nowMs());
    const held = pushback.heldBack(write ? [route, quota, APP_WRITES_KEY] : [route, quota], nowMs());
    if (held)
      throw new AutoscalerError(`GitHub: not calling ${route}: GitHub pushed back on ${held.key}`, {
        kind: 'github-rate-limit',
        retryable: true,
        retryAfterSeconds: held.waitSeconds,
      });
    try {
      return await request(endpoint);
    } catch (error) {
      const limited = rateLimitOf(error, new Date(nowMs()));
      if (limited)
        pushback.pushedBack(
          limited.primary ? quota : route,
          limited.waitSeconds ?? DEFAULT_PUSHBACK_SECONDS,
          nowMs(),
        );
      throw error;
    }
  });
}

/** Notes every answer's remaining quota, and every write, in the App's usage. */
function countUsage(client: GitHubClient, usage: GitHubAppUsage, options: GitHubClientOptions) {
  const nowMs = options.nowMs ?? Date.now;
  const installation = options.installationId ?? 'app';
  const noteQuota = (headers: Record<string, unknown> | undefined) => {
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    if (Number.isFinite(remaining)) usage.answered(installation, remaining);
  };
  client.hook.wrap('request', async (request, endpoint) => {
    if (WRITE_METHODS.has(endpoint.method)) usage.wrote(nowMs());
    try {
      const response = await request(endpoint);
      noteQuota(response.headers);
      return response;
    } catch (error) {
      if (error instanceof RequestError) noteQuota(error.response?.headers);
      throw error;
    }
  });
}

/** Every request, the App's own token requests included, gives up after the timeout. */
function timedFetch(options: GitHubClientOptions): typeof fetch {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  return async (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const response = await (options.fetch ?? fetch)(input, { ...init, signal }).catch((error: unknown) => {
      // Octokit passes an AbortError through untouched, so the retry plugin does not wait out a slow
      // GitHub again in process: the work goes back on the queue instead.
      if (!timeout.aborted) throw error;
      throw Object.assign(new Error(`no answer within ${timeoutMs} ms`, { cause: error }), {
        name: 'AbortError',
      });
    });
    recordRateLimit(options, String(input instanceof Request ? input.url : input), response);
    return response;
  };
}

function recordRateLimit(options: GitHubClientOptions, url: string, response: Response): void {
  const remaining = response.headers.get('x-ratelimit-remaining');
  // The /app routes (installation tokens among them) use the App's own quota, which is not the one
  // that runs out. A repository may well be called "app", so only the path's start counts.
  const base = options.github.apiUrl.replace(/\/$/, '');
  const path = url.startsWith(base) ? url.slice(base.length) : url;
  if (remaining === null || path.startsWith('/app/') || path.startsWith('/app?')) return;
  options.metrics?.record('GitHubRateLimitRemaining', Number(remaining), {
    App: String(options.github.appId),
  });
}

/**
 * Server errors, rate limits (429, or 403 with a retry-after or an exhausted quota) and timeouts may
 * pass; anything else GitHub refused (a missing permission, an unknown organisation) will not.
 */
export function gitHubError(error: unknown, action: string, now = new Date()): AutoscalerError {
  if (error instanceof AutoscalerError) return error;
  if (!(error instanceof RequestError)) {
    return new AutoscalerError(`GitHub: could not ${action}: ${(error as Error)?.message ?? error}`, {
      kind: 'github',
      retryable: true,
      cause: error,
    });
  }
  const limited = rateLimitOf(error, now);
  return new AutoscalerError(`GitHub: could not ${action} (${error.status}): ${error.message}`, {
    kind: limited ? 'github-rate-limit' : 'github',
    retryable: limited !== undefined || error.status >= 500 || error.status === 0,
    retryAfterSeconds: limited?.waitSeconds,
    cause: error,
  });
}

/**
 * A rate-limited answer: 429, or 403 with a retry-after (the secondary limit) or an exhausted quota
 * (the primary one, until its reset). Undefined for any other error.
 */
function rateLimitOf(
  error: unknown,
  now: Date,
): { primary: boolean; waitSeconds: number | undefined } | undefined {
  if (!(error instanceof RequestError)) return undefined;
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const resetAt = Number(headers['x-ratelimit-reset']);
  const primary = headers['x-ratelimit-remaining'] === '0';
  const limited = error.status === 429 || (error.status === 403 && (Number.isFinite(retryAfter) || primary));
  if (!limited) return undefined;
  const waitSeconds = Number.isFinite(retryAfter)
    ? retryAfter
    : Number.isFinite(resetAt)
      ? Math.max(0, Math.ceil(resetAt - now.getTime() / 1000))
      : undefined;
  return { primary: primary && !Number.isFinite(retryAfter), waitSeconds };
}
