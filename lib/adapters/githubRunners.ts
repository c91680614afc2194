import { RequestError } from '@octokit/request-error';
import type { RegisteredRunner, RunnerRef, RunnerRegistration, RunnerRegistrationRequest } from '../ports.ts';
import type { RunnerScope } from '../runners/runnerScope.ts';
import { type GitHubClient, gitHubError } from './gitHubClient.ts';

/** GitHub's self-hosted runner routes, for one installation's client, at an org's or a repository's scope. */

export interface RunnerSummary {
  id: number;
  name: string;
  busy: boolean;
}

export async function generateJitConfig(
  client: GitHubClient,
  request: RunnerRegistrationRequest,
  runnerGroupId: number,
): Promise<RunnerRegistration> {
  const response = await client.request(
    `POST ${scopePath(request.scope)}/actions/runners/generate-jitconfig`,
    {
      ...scopeParameters(request.scope),
      name: request.name,
      runner_group_id: runnerGroupId,
      labels: request.labels,
      work_folder: '_work',
    },
  );
  const data = response.data as { runner: { id: number }; encoded_jit_config: string };
  return { kind: 'jit', runnerId: data.runner.id, encodedJitConfig: data.encoded_jit_config };
}

/** A new registration token, and when it expires (ms since the epoch). */
export async function createRegistrationToken(
  client: GitHubClient,
  scope: RunnerScope,
): Promise<{ token: string; expiresAt: number }> {
  try {
    const response = await client.request(
      `POST ${scopePath(scope)}/actions/runners/registration-token`,
      scopeParameters(scope),
    );
    const data = response.data as { token: string; expires_at: string };
    return { token: data.token, expiresAt: new Date(data.expires_at).getTime() };
  } catch (error) {
    throw gitHubError(error, 'create a registration token');
  }
}

/** Removes the runner: true once it is gone, false while it runs a job (GitHub's 422). */
export async function deleteRunner(
  client: GitHubClient,
  runner: RunnerRef,
  runnerId: number,
): Promise<boolean> {
  try {
    await client.request(`DELETE ${scopePath(runner.scope)}/actions/runners/{runner_id}`, {
      ...scopeParameters(runner.scope),
      runner_id: runnerId,
    });
    return true;
  } catch (error) {
    // 404: already gone. 422: it runs a job, and a single-use runner leaves by itself afterwards.
    if (error instanceof RequestError && error.status === 404) return true;
    if (error instanceof RequestError && error.status === 422) return false;
    throw gitHubError(error, `remove runner ${runner.name}`);
  }
}

/** The runner by its ID when known, else by its name; undefined when GitHub has none. */
export async function findRunner(
  client: GitHubClient,
  runner: RunnerRef,
): Promise<RunnerSummary | undefined> {
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

export async function listRunners(
  client: GitHubClient,
  scope: RunnerScope,
  maxPages: number,
): Promise<RegisteredRunner[]> {
  const runners: RegisteredRunner[] = [];
  for (let page = 1; page <= maxPages; page++) {
    const response = await client
      .request(`GET ${scopePath(scope)}/actions/runners`, { ...scopeParameters(scope), per_page: 100, page })
      .catch((error: unknown) => {
        throw gitHubError(error, 'list runners');
      });
    const { runners: found } = response.data as { runners: RegisteredRunner[] };
    runners.push(...found.map(({ id, name, status, busy }) => ({ id, name, status, busy })));
    if (found.length < 100) break;
  }
  return runners;
}

/** Where a scope's runners live, as a route template; a registration token is cached per scope. */
export function scopePath(scope: RunnerScope): string {
  return scope.kind === 'org' ? '/orgs/{org}' : '/repos/{owner}/{repo}';
}

function scopeParameters(scope: RunnerScope): Record<string, string> {
  return scope.kind === 'org' ? { org: scope.org } : { owner: scope.owner, repo: scope.repo };
}
