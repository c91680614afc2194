import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RUNNER_GROUP_ANSWER_MS } from '../../lib/adapters/githubRunnerGroups.ts';
import { GitHubRunnerRegistry } from '../../lib/adapters/githubRunnerRegistry.ts';
import { type GitHubStandIn, startGitHubStandIn } from '../helpers/gitHubStandIn.ts';
import { openApiResponseChecker } from '../helpers/openApiResponses.ts';
import type { StandInRunnerGroup } from '../helpers/standInRunnerGroups.ts';

const RUNNERS_GROUP = 7;
let gitHub: GitHubStandIn;
let clock: Date;

beforeAll(async () => {
  gitHub = await startGitHubStandIn();
});
afterAll(() => gitHub.close());
beforeEach(() => {
  clock = new Date('2026-11-28T10:00:00Z');
  gitHub.runnerGroups.groups.splice(1);
  gitHub.runnerGroups.publicRepositories.clear();
});

/** The registry of an App whose runners join group 7 of `acme`. */
function registry(runnerGroupId = RUNNERS_GROUP) {
  return new GitHubRunnerRegistry({
    github: { appId: 1, apiUrl: gitHub.apiUrl, registrationMode: 'jit', runnerGroupId },
    privateKey: gitHub.appPrivateKey,
    now: () => clock,
  });
}

const runnerGroupRequests = () => gitHub.requests.filter(({ path }) => path.includes('/runner-groups'));

describe('GitHubRunnerRegistry.runnerGroupOpenTo', () => {
  it.each([
    ['all repositories', { visibility: 'all' }, 'acme/app', true],
    ['all repositories, but not public ones', { visibility: 'all' }, 'acme/public-site', false],
    [
      'all repositories, public ones too',
      { visibility: 'all', allowsPublicRepositories: true },
      'acme/public-site',
      true,
    ],
    ['private repositories', { visibility: 'private' }, 'acme/app', true],
    [
      'private repositories, not a public one',
      { visibility: 'private', allowsPublicRepositories: true },
      'acme/public-site',
      false,
    ],
    [
      'selected repositories, among them',
      { visibility: 'selected', selectedRepositories: ['acme/app'] },
      'acme/app',
      true,
    ],
    [
      'selected repositories, not among them',
      { visibility: 'selected', selectedRepositories: ['acme/other'] },
      'acme/app',
      false,
    ],
  ] satisfies [
    string,
    Pick<StandInRunnerGroup, 'visibility'> & Partial<StandInRunnerGroup>,
    string,
    boolean,
  ][])('a group open to %s: %s → %s', async (_case, access, repository, open) => {
    // Prepare
    gitHub.runnerGroups.groups.push({
      id: RUNNERS_GROUP,
      name: 'eks-runners',
      allowsPublicRepositories: false,
      selectedRepositories: [],
      ...access,
    });
    gitHub.runnerGroups.publicRepositories.add('acme/public-site');

    // Act
    const answer = await registry().runnerGroupOpenTo(42, 'acme', repository);

    // Assess
    expect(answer).toBe(open);
    expect(runnerGroupRequests().at(-1)?.path).toBe(
      `/orgs/acme/actions/runner-groups?visible_to_repository=${repository.split('/')[1]}&per_page=100`,
    );
  });

  it('asks GitHub once per repository for five minutes, then again', async () => {
    // Prepare
    gitHub.runnerGroups.groups.push({
      id: RUNNERS_GROUP,
      name: 'eks-runners',
      visibility: 'selected',
      allowsPublicRepositories: false,
      selectedRepositories: [],
    });
    const subject = registry();
    const before = runnerGroupRequests().length;

    // Act: a burst of one repository's jobs, then the administrator opens the group to it.
    const burst = await Promise.all([1, 2, 3].map(() => subject.runnerGroupOpenTo(42, 'acme', 'acme/app')));
    const otherRepository = await subject.runnerGroupOpenTo(42, 'acme', 'acme/other');
    gitHub.runnerGroups.groups[1]?.selectedRepositories.push('acme/app');
    const stillKept = await subject.runnerGroupOpenTo(42, 'acme', 'acme/app');
    clock = new Date(clock.getTime() + RUNNER_GROUP_ANSWER_MS + 1);
    const afresh = await subject.runnerGroupOpenTo(42, 'acme', 'acme/app');

    // Assess
    expect(burst).toEqual([false, false, false]);
    expect([otherRepository, stillKept, afresh]).toEqual([false, false, true]);
    expect(runnerGroupRequests().length - before).toBe(3);
  });

  it('says open when the group may be beyond the first 100 groups the repository may use', async () => {
    // Prepare
    for (let id = 100; id < 201; id += 1)
      gitHub.runnerGroups.groups.push({
        id,
        name: `group-${id}`,
        visibility: 'all',
        allowsPublicRepositories: false,
        selectedRepositories: [],
      });

    // Act
    const answer = await registry(9999).runnerGroupOpenTo(42, 'acme', 'acme/app');

    // Assess
    expect(answer).toBe(true);
  });

  it('rejects with a retryable error naming what it asked, and asks again on the next job', async () => {
    // Prepare
    const subject = registry();
    gitHub.injectFault(/^GET \/orgs\/acme\/actions\/runner-groups$/, { status: 503 });
    gitHub.injectFault(/^GET \/orgs\/acme\/actions\/runner-groups$/, { status: 503 });
    gitHub.injectFault(/^GET \/orgs\/acme\/actions\/runner-groups$/, { status: 503 });

    // Act
    const error = await subject.runnerGroupOpenTo(42, 'acme', 'acme/app').catch((caught: unknown) => caught);
    const next = await subject.runnerGroupOpenTo(42, 'acme', 'acme/app');

    // Assess
    expect(error).toMatchObject({ kind: 'github', retryable: true });
    expect((error as Error).message).toMatch(/list the runner groups of acme open to acme\/app/);
    expect(next).toBe(false);
  });

  it("answers as GitHub's OpenAPI description says", () => {
    // Prepare
    const check = openApiResponseChecker();
    const served = gitHub.responses.filter(({ route }) => route === '/orgs/{org}/actions/runner-groups');

    // Act
    const problems = served.flatMap((response) =>
      check(response.method, response.route, response.status, response.body),
    );

    // Assess
    expect(served.length).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });
});
