import { type GitHubClient, gitHubError } from './gitHubClient.ts';

/**
 * How long an answer about a runner group and a repository is reused. An administrator who opens the
 * group to a repository is heard within it: the stranded-job sweep queues the job again meanwhile.
 */
export const RUNNER_GROUP_ANSWER_MS = 5 * 60 * 1000;

/**
 * Whether an organisation's runner group may run a repository's jobs, as GitHub applies its
 * visibility (all, private or selected repositories) and its public-repository switch: GitHub lists
 * the groups a repository may use (`visible_to_repository`). It needs the App's organisation
 * permission "Self-hosted runners" (read), which registering runners needs already. Answers are kept
 * for RUNNER_GROUP_ANSWER_MS, so a burst of one repository's jobs costs one call.
 */
export class RunnerGroupAccess {
  private readonly answers = new Map<string, { open: Promise<boolean>; until: number }>();
  private readonly now: () => Date;

  constructor(now: () => Date) {
    this.now = now;
  }

  isOpenTo(client: GitHubClient, org: string, runnerGroupId: number, repository: string): Promise<boolean> {
    const key = JSON.stringify([org, runnerGroupId, repository]);
    const kept = this.answers.get(key);
    if (kept && kept.until > this.now().getTime()) return kept.open;
    const open = readIsOpenTo(client, org, runnerGroupId, repository);
    this.answers.set(key, { open, until: this.now().getTime() + RUNNER_GROUP_ANSWER_MS });
    // A failed read is not kept: the next job asks again.
    open.catch(() => this.answers.delete(key));
    return open;
  }
}

async function readIsOpenTo(
  client: GitHubClient,
  org: string,
  runnerGroupId: number,
  repository: string,
): Promise<boolean> {
  const response = await client
    .request('GET /orgs/{org}/actions/runner-groups', {
      org,
      visible_to_repository: repository.slice(repository.indexOf('/') + 1),
      per_page: 100,
    })
    .catch((error: unknown) => {
      throw gitHubError(error, `list the runner groups of ${org} open to ${repository}`);
    });
  const { total_count, runner_groups } = response.data as {
    total_count: number;
    runner_groups: { id: number }[];
  };
  if (runner_groups.some(({ id }) => id === runnerGroupId)) return true;
  // Beyond the first 100 groups it may still be: only a complete list says it is not.
  return total_count > runner_groups.length;
}
