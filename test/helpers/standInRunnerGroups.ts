type Send = (status: number, payload?: unknown, route?: string) => void;

/** An organisation's runner group as an administrator sets its repository access. */
export interface StandInRunnerGroup {
  id: number;
  name: string;
  visibility: 'all' | 'private' | 'selected';
  allowsPublicRepositories: boolean;
  /** For `selected`: the repositories (`owner/name`) it is open to. */
  selectedRepositories: string[];
}

/**
 * The stand-in's runner groups: `GET /orgs/{org}/actions/runner-groups`, with `visible_to_repository`
 * applied as GitHub documents it (the groups that repository may use). Organisation `acme` starts with
 * GitHub's own default group, ID 1, open to all its repositories.
 */
export class StandInRunnerGroups {
  readonly groups: StandInRunnerGroup[] = [
    { id: 1, name: 'Default', visibility: 'all', allowsPublicRepositories: false, selectedRepositories: [] },
  ];
  /** The public repositories (`owner/name`); every other is private. */
  readonly publicRepositories = new Set<string>();

  answer(method: string, url: URL, send: Send): boolean {
    const route = /^\/orgs\/([^/]+)\/actions\/runner-groups$/.exec(url.pathname);
    if (method !== 'GET' || !route?.[1]) return false;
    const org = route[1];
    const visibleTo = url.searchParams.get('visible_to_repository');
    const perPage = Number(url.searchParams.get('per_page') ?? 30);
    const page = Number(url.searchParams.get('page') ?? 1);
    const listed = this.groups.filter((group) => !visibleTo || this.mayUse(group, `${org}/${visibleTo}`));
    const slice = listed.slice((page - 1) * perPage, page * perPage);
    send(
      200,
      { total_count: listed.length, runner_groups: slice.map((group) => runnerGroup(org, group)) },
      '/orgs/{org}/actions/runner-groups',
    );
    return true;
  }

  private mayUse(group: StandInRunnerGroup, repository: string): boolean {
    const isPublic = this.publicRepositories.has(repository);
    if (isPublic && !group.allowsPublicRepositories) return false;
    if (group.visibility === 'selected') return group.selectedRepositories.includes(repository);
    return group.visibility === 'all' || !isPublic;
  }
}

function runnerGroup(org: string, group: StandInRunnerGroup) {
  const api = `https://api.github.com/orgs/${org}/actions/runner-groups/${group.id}`;
  return {
    id: group.id,
    name: group.name,
    visibility: group.visibility,
    default: group.id === 1,
    ...(group.visibility === 'selected' && { selected_repositories_url: `${api}/repositories` }),
    runners_url: `${api}/runners`,
    hosted_runners_url: `${api}/hosted-runners`,
    inherited: false,
    allows_public_repositories: group.allowsPublicRepositories,
    restricted_to_workflows: false,
    selected_workflows: [],
    workflow_restrictions_read_only: false,
  };
}
