import type { GitHubSettings } from '../config/autoscalerConfig.ts';

/** Where a job's runner registers: its organisation, or its repository. */
export type RunnerScope = { kind: 'org'; org: string } | { kind: 'repo'; owner: string; repo: string };

export function runnerScopeForJob(
  job: { repository: string; org: string | null },
  github: Pick<GitHubSettings, 'runnerScope'>,
): RunnerScope {
  if (github.runnerScope === 'org' && job.org) return { kind: 'org', org: job.org };
  const [owner = '', repo = ''] = job.repository.split('/');
  return { kind: 'repo', owner, repo };
}

/** The web URL `config.sh --url` takes for a scope, derived from the REST API root. */
export function runnerRegistrationUrl(apiUrl: string, scope: RunnerScope): string {
  const api = new URL(apiUrl);
  const host = api.hostname.startsWith('api.') ? api.hostname.slice('api.'.length) : api.hostname;
  const port = api.port ? `:${api.port}` : '';
  const path = scope.kind === 'org' ? scope.org : `${scope.owner}/${scope.repo}`;
  return `${api.protocol}//${host}${port}/${path}`;
}
