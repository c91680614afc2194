import { RequestError } from '@octokit/request-error';
import type { GitHubSettings } from '../config/autoscalerConfig.ts';
import { AutoscalerError } from '../errors.ts';
import type {
  AppInstallation,
  JobRef,
  JobState,
  RegisteredRunner,
  RerunResult,
  RunJobAttempts,
  RunnerRef,
  RunnerRegistration,
  RunnerRegistrationRequest,
  RunnerRegistry,
  RunRef,
  RunState,
  RunStatus,
  WorkflowJob,
} from '../ports.ts';
import type { RunnerScope } from '../runners/runnerScope.ts';
import { GitHubAppUsage } from './gitHubAppUsage.ts';
import {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
  gitHubError,
} from './gitHubClient.ts';
import { GitHubPushback } from './gitHubPushback.ts';
import { RunnerGroupAccess } from './githubRunnerGroups.ts';
import {
  createRegistrationToken,
  deleteRunner,
  findRunner,
  generateJitConfig,
  listRunners,
  type RunnerSummary,
  scopePath,
} from './githubRunners.ts';
import {
  jobStatusOf,
  listRunJobs,
  listRuns,
  readRun,
  rerunFailedJobs,
  rerunJob,
} from './githubWorkflowRuns.ts';

export interface GitHubRunnerRegistryOptions
  extends Omit<GitHubClientOptions, 'installationId' | 'github' | 'nowMs'> {
  github: Pick<GitHubSettings, 'appId' | 'apiUrl' | 'registrationMode' | 'runnerGroupId'>;
  /** Reuse a registration token until this long before it expires. @default 300000 (5 minutes) */
  tokenRenewalMarginMs?: number;
  now?: () => Date;
}

/** RunnerRegistry through GitHub's REST API, as a GitHub App; installation tokens are cached by auth-app. */
export class GitHubRunnerRegistry implements RunnerRegistry {
  private readonly options: GitHubRunnerRegistryOptions;
  private readonly clients = new Map<number, GitHubClient>();
  private app: GitHubClient | undefined;
  private readonly registrationTokens = new Map<string, Promise<{ token: string; renewAt: number }>>();
  private readonly now: () => Date;
  /** Shared by the App's clients: a push-back on one installation's call holds the route for all. */
  private readonly pushback: GitHubPushback;
  private readonly usage: GitHubAppUsage;
  private readonly runnerGroups: RunnerGroupAccess;

  constructor(options: GitHubRunnerRegistryOptions) {
    this.options = options;
    this.now = options.now ?? (() => new Date());
    this.pushback = options.pushback ?? new GitHubPushback();
    this.usage = options.usage ?? new GitHubAppUsage();
    this.runnerGroups = new RunnerGroupAccess(this.now);
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
      if (!(await this.deregister({ ...request }))) {
        throw new AutoscalerError(
          `GitHub: runner ${request.name} still runs a job; its name is not free yet`,
          {
            kind: 'github',
            retryable: true,
          },
        );
      }
      return await this.generateJitConfig(request).catch((retryError: unknown) => {
        throw gitHubError(retryError, 'generate a JIT config');
      });
    }
  }

  async deregister(runner: RunnerRef): Promise<boolean> {
    const found = runner.id === undefined ? await this.findRunner(runner) : { id: runner.id };
    if (!found) return true;
    return deleteRunner(this.client(runner.installationId), runner, found.id);
  }

  async isBusy(runner: RunnerRef): Promise<boolean> {
    return (await this.findRunner(runner))?.busy ?? false;
  }

  async readJob(job: JobRef): Promise<JobState> {
    const [owner = '', repo = ''] = job.repository.split('/');
    try {
      const response = await this.client(job.installationId).request(
        'GET /repos/{owner}/{repo}/actions/jobs/{job_id}',
        { owner, repo, job_id: job.jobId },
      );
      const { status, runner_name, runner_id, started_at } = response.data as {
        status: string;
        runner_name: string | null;
        runner_id: number | null;
        started_at: string | null;
      };
      return {
        status: jobStatusOf(status),
        runnerName: runner_name || null,
        runnerId: runner_id,
        startedAt: started_at,
      };
    } catch (error) {
      if (error instanceof RequestError && error.status === 404)
        return { status: 'absent', runnerName: null };
      throw gitHubError(error, `read job ${job.jobId}`);
    }
  }

  runnerGroupOpenTo(installationId: number, org: string, repository: string): Promise<boolean> {
    const { runnerGroupId } = this.options.github;
    return this.runnerGroups.isOpenTo(this.client(installationId), org, runnerGroupId, repository);
  }

  async listRepositories(installationId: number, maxPages: number): Promise<string[]> {
    const names: string[] = [];
    for (let page = 1; page <= maxPages; page++) {
      const response = await this.client(installationId)
        .request('GET /installation/repositories', { per_page: 100, page })
        .catch((error: unknown) => {
          throw gitHubError(error, `list the repositories of installation ${installationId}`);
        });
      const { repositories } = response.data as { repositories: { full_name: string }[] };
      names.push(...repositories.map((repository) => repository.full_name));
      if (repositories.length < 100) break;
    }
    return names;
  }

  listRuns(installationId: number, repository: string, status: RunStatus): Promise<number[]> {
    return listRuns(this.client(installationId), repository, status);
  }

  listRunJobs(
    installationId: number,
    repository: string,
    runId: number,
    attempts?: RunJobAttempts,
  ): Promise<WorkflowJob[]> {
    return listRunJobs(this.client(installationId), repository, runId, attempts);
  }

  readRun(run: RunRef): Promise<RunState> {
    return readRun(this.client(run.installationId), run);
  }

  rerunJob(job: JobRef): Promise<RerunResult> {
    return rerunJob(this.client(job.installationId), job);
  }

  rerunFailedJobs(run: RunRef): Promise<RerunResult> {
    return rerunFailedJobs(this.client(run.installationId), run);
  }

  async installations(): Promise<AppInstallation[]> {
    try {
      const response = await this.appClient().request('GET /app/installations', { per_page: 100 });
      return (response.data as { id: number; account: { login: string; type: string } | null }[]).flatMap(
        ({ id, account }) =>
          account
            ? [
                {
                  id,
                  account: account.login,
                  accountType: account.type === 'Organization' ? 'Organization' : 'User',
                },
              ]
            : [],
      ) as AppInstallation[];
    } catch (error) {
      throw gitHubError(error, 'list the App installations');
    }
  }

  listRunners(installationId: number, scope: RunnerScope, maxPages: number): Promise<RegisteredRunner[]> {
    return listRunners(this.client(installationId), scope, maxPages);
  }

  private generateJitConfig(request: RunnerRegistrationRequest): Promise<RunnerRegistration> {
    return generateJitConfig(this.client(request.installationId), request, this.options.github.runnerGroupId);
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
    const { token, expiresAt } = await createRegistrationToken(this.client(installationId), scope);
    return { token, renewAt: expiresAt - (this.options.tokenRenewalMarginMs ?? 5 * 60 * 1000) };
  }

  private findRunner(runner: RunnerRef): Promise<RunnerSummary | undefined> {
    return findRunner(this.client(runner.installationId), runner);
  }

  private clientOptions(): GitHubClientOptions {
    return {
      ...this.options,
      pushback: this.pushback,
      usage: this.usage,
      nowMs: () => this.now().getTime(),
    };
  }

  private appClient(): GitHubClient {
    this.app ??= createGitHubClient(this.clientOptions());
    return this.app;
  }

  private client(installationId: number): GitHubClient {
    let client = this.clients.get(installationId);
    if (!client) {
      client = createGitHubClient({ ...this.clientOptions(), installationId });
      this.clients.set(installationId, client);
    }
    return client;
  }
}
