import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { retry } from '@octokit/plugin-retry';
import { RequestError } from '@octokit/request-error';
import type { GitHubSettings } from '../config/autoscalerConfig.ts';
import { AutoscalerError } from '../errors.ts';
import type {
  JobRef,
  JobStatus,
  Metrics,
  RunnerRef,
  RunnerRegistration,
  RunnerRegistrationRequest,
  RunnerRegistry,
  RunnerState,
} from '../ports.ts';
import type { RunnerScope } from '../runnerScope.ts';

export interface GitHubRunnerRegistryOptions {
  github: Pick<GitHubSettings, 'appId' | 'apiUrl' | 'registrationMode' | 'runnerGroupId'>;
  /** The App's private key, PEM. */
  privateKey: string;
  /** Abandon a request after this long. @default 10000 */
  requestTimeoutMs?: number;
  /** Reuse a registration token until this long before it expires. @default 300000 (5 minutes) */
  tokenRenewalMarginMs?: number;
  /** Receives the installation's remaining REST quota after each answer. @default none */
  metrics?: Metrics;
  now?: () => Date;
  /** For tests: the fetch to use. */
  fetch?: typeof fetch;
}

interface RunnerSummary {
  id: number;
  name: string;
  busy: boolean;
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
const GitHubClient = Octokit.plugin(retry);

/** RunnerRegistry through GitHub's REST API, as a GitHub App; installation tokens are cached by auth-app. */
export class GitHubRunnerRegistry implements RunnerRegistry {
  private readonly options: GitHubRunnerRegistryOptions;
  private readonly clients = new Map<number, InstanceType<typeof GitHubClient>>();
  private readonly registrationTokens = new Map<string, Promise<{ token: string; renewAt: number }>>();
  private readonly now: () => Date;

  constructor(options: GitHubRunnerRegistryOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
  }

  async register(request: RunnerRegistrationRequest): Promise<RunnerRegistration> {
    if (this.options.github.registrationMode === 'registration-token') {
      return {
        kind: 'registration-token',
        token: await this.registrationToken(request.installationId, request.scope),
      };
    }
    try {
      return await this.generateJitConfig(request);
    } catch (error) {
      // A runner of that name exists: an earlier attempt registered it and died before using it.
      if (!(error instanceof RequestError) || error.status !== 409)
        throw gitHubError(error, 'generate a JIT config');
      await this.deregister({ ...request });
      return await this.generateJitConfig(request).catch((retryError: unknown) => {
        throw gitHubError(retryError, 'generate a JIT config');
      });
    }
  }

  async runnerState(runner: RunnerRef): Promise<RunnerState> {
    const found = await this.findRunner(runner);
    if (!found) return 'absent';
    return found.busy ? 'busy' : 'idle';
  }

  async deregister(runner: RunnerRef): Promise<void> {
    const found = runner.id === undefined ? await this.findRunner(runner) : { id: runner.id };
    if (!found) return;
    try {
      await this.client(runner.installationId).request(
        `DELETE ${scopePath(runner.scope)}/actions/runners/{runner_id}`,
        {
          ...scopeParameters(runner.scope),
          runner_id: found.id,
        },
      );
    } catch (error) {
      // 404: already gone. 422: it took a job after all, and a single-use runner leaves by itself.
      if (error instanceof RequestError && (error.status === 404 || error.status === 422)) return;
      throw gitHubError(error, `remove runner ${runner.name}`);
    }
  }

  async jobStatus(job: JobRef): Promise<JobStatus> {
    const [owner = '', repo = ''] = job.repository.split('/');
    try {
      const response = await this.client(job.installationId).request(
        'GET /repos/{owner}/{repo}/actions/jobs/{job_id}',
        { owner, repo, job_id: job.jobId },
      );
      const { status } = response.data as { status: string };
      return status === 'in_progress' || status === 'completed' ? status : 'queued';
    } catch (error) {
      if (error instanceof RequestError && error.status === 404) return 'absent';
      throw gitHubError(error, `read job ${job.jobId}`);
    }
  }

  private async generateJitConfig(request: RunnerRegistrationRequest): Promise<RunnerRegistration> {
    const response = await this.client(request.installationId).request(
      `POST ${scopePath(request.scope)}/actions/runners/generate-jitconfig`,
      {
        ...scopeParameters(request.scope),
        name: request.name,
        runner_group_id: this.options.github.runnerGroupId,
        labels: request.labels,
        work_folder: '_work',
      },
    );
    const data = response.data as { runner: { id: number }; encoded_jit_config: string };
    return { kind: 'jit', runnerId: data.runner.id, encodedJitConfig: data.encoded_jit_config };
  }

  private registrationToken(installationId: number, scope: RunnerScope): Promise<string> {
    const key = `${installationId}:${scopePath(scope)}`;
    const cached = this.registrationTokens.get(key);
    const fresh = cached?.then((entry) => (this.now().getTime() < entry.renewAt ? entry : undefined));
    const next = (fresh ?? Promise.resolve(undefined)).then(
      (entry) => entry ?? this.fetchRegistrationToken(installationId, scope),
    );
    this.registrationTokens.set(key, next);
    next.catch(() => this.registrationTokens.delete(key));
    return next.then((entry) => entry.token);
  }

  private async fetchRegistrationToken(installationId: number, scope: RunnerScope) {
    try {
      const response = await this.client(installationId).request(
        `POST ${scopePath(scope)}/actions/runners/registration-token`,
        scopeParameters(scope),
      );
      const data = response.data as { token: string; expires_at: string };
      const margin = this.options.tokenRenewalMarginMs ?? 5 * 60 * 1000;
      return { token: data.token, renewAt: new Date(data.expires_at).getTime() - margin };
    } catch (error) {
      throw gitHubError(error, 'create a registration token');
    }
  }

  private async findRunner(runner: RunnerRef): Promise<RunnerSummary | undefined> {
    const client = this.client(runner.installationId);
    try {
      if (runner.id !== undefined) {
        const response = await client.request(`GET ${scopePath(runner.scope)}/actions/runners/{runner_id}`, {
          ...scopeParameters(runner.scope),
          runner_id: runner.id,
        });
        return response.data as RunnerSummary;
      }
      const response = await client.request(`GET ${scopePath(runner.scope)}/actions/runners`, {
        ...scopeParameters(runner.scope),
        name: runner.name,
      });
      return (response.data as { runners: RunnerSummary[] }).runners.find(
        (found) => found.name === runner.name,
      );
    } catch (error) {
      if (error instanceof RequestError && error.status === 404) return undefined;
      throw gitHubError(error, `look up runner ${runner.name}`);
    }
  }

  private client(installationId: number): InstanceType<typeof GitHubClient> {
    let client = this.clients.get(installationId);
    if (!client) {
      client = new GitHubClient({
        retry: RETRY,
        baseUrl: this.options.github.apiUrl.replace(/\/$/, ''),
        authStrategy: createAppAuth,
        auth: { appId: this.options.github.appId, privateKey: this.options.privateKey, installationId },
        userAgent: 'eks-runner-autoscaler',
        request: { fetch: this.fetchWithTimeout },
      });
      this.clients.set(installationId, client);
    }
    return client;
  }

  /** Every request, the App's own token requests included, gives up after the timeout. */
  private readonly fetchWithTimeout: typeof fetch = async (input, init) => {
    const timeoutMs = this.options.requestTimeoutMs ?? 10_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const response = await (this.options.fetch ?? fetch)(input, { ...init, signal }).catch(
      (error: unknown) => {
        // Octokit passes an AbortError through untouched, so the retry plugin does not wait out a slow
        // GitHub again in process: the job goes back on the queue instead.
        if (!timeout.aborted) throw error;
        throw Object.assign(new Error(`no answer within ${timeoutMs} ms`, { cause: error }), {
          name: 'AbortError',
        });
      },
    );
    this.recordRateLimit(String(input instanceof Request ? input.url : input), response);
    return response;
  };

  private recordRateLimit(url: string, response: Response): void {
    const remaining = response.headers.get('x-ratelimit-remaining');
    // Installation tokens are fetched on the App's own quota, which is not the one that runs out.
    if (remaining === null || url.includes('/access_tokens')) return;
    this.options.metrics?.record('GitHubRateLimitRemaining', Number(remaining), {
      App: String(this.options.github.appId),
    });
  }
}

function scopePath(scope: RunnerScope): string {
  return scope.kind === 'org' ? '/orgs/{org}' : '/repos/{owner}/{repo}';
}

function scopeParameters(scope: RunnerScope): Record<string, string> {
  return scope.kind === 'org' ? { org: scope.org } : { owner: scope.owner, repo: scope.repo };
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
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const resetAt = Number(headers['x-ratelimit-reset']);
  const rateLimited =
    error.status === 429 ||
    (error.status === 403 && (Number.isFinite(retryAfter) || headers['x-ratelimit-remaining'] === '0'));
  const waitSeconds = Number.isFinite(retryAfter)
    ? retryAfter
    : Number.isFinite(resetAt)
      ? Math.max(0, Math.ceil(resetAt - now.getTime() / 1000))
      : undefined;
  return new AutoscalerError(`GitHub: could not ${action} (${error.status}): ${error.message}`, {
    kind: rateLimited ? 'github-rate-limit' : 'github',
    retryable: rateLimited || error.status >= 500 || error.status === 0,
    retryAfterSeconds: rateLimited ? waitSeconds : undefined,
    cause: error,
  });
}
