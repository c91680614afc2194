import { afterEach, describe, expect, it } from 'vitest';
import { MultiAppRunnerRegistry } from '../../lib/adapters/multiAppRunnerRegistry.ts';
import { AutoscalerError } from '../../lib/errors.ts';
import { type GitHubStandIn, startGitHubStandIn } from '../helpers/gitHubStandIn.ts';
import { rateLimitChecker } from '../helpers/openApiResponses.ts';
import { standInAppRegistry } from '../helpers/standInAppRegistry.ts';

const org = { kind: 'org', org: 'acme' } as const;
const repo = { kind: 'repo', owner: 'octocat', repo: 'hello' } as const;
const JIT_PATH = '/orgs/acme/actions/runners/generate-jitconfig';
let gitHub: GitHubStandIn | undefined;
afterEach(() => gitHub?.close());

/** Makes the calls one after the other, as the records of an invocation: each result or error. */
async function inTurn<T>(count: number, call: (index: number) => Promise<T>) {
  const results: (T | AutoscalerError)[] = [];
  for (let index = 0; index < count; index += 1)
    results.push(await call(index).catch((error: AutoscalerError) => error));
  return results;
}

describe("the GitHub stand-in's primary quota", () => {
  it("reports each installation's quota on every answer, and refuses an exhausted one as GitHub documents", async () => {
    // Prepare: 5 requests a minute per caller.
    gitHub = await startGitHubStandIn();
    const quota = gitHub.limitQuota({ requestsPerWindow: 5, windowMs: 60_000 });
    const { registry } = standInAppRegistry(gitHub);

    // Act: 6 reads as installation 42, then one as installation 43.
    const results = await inTurn(6, () => registry.listRunners(42, org, 1));
    await registry.listRunners(43, repo, 1);

    // Assess: 42's answers counted down to 0, the sixth refused with 0 left; 43 has a quota of its own.
    const check = rateLimitChecker();
    const listings = gitHub.responses.filter(
      ({ method, route }) => method === 'GET' && route !== '/app/installations',
    );
    const refusals = gitHub.responses.filter(({ status }) => status === 403);
    expect(listings.map(({ headers }) => headers['x-ratelimit-remaining'])).toEqual([
      '4',
      '3',
      '2',
      '1',
      '0',
      '0',
      '4',
    ]);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(refusals[0]?.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    expect(
      gitHub.responses.flatMap(({ headers, status, body }) =>
        check(headers, status === 403 ? body : undefined),
      ),
    ).toEqual([]);
    expect(results.at(-1)).toMatchObject({ kind: 'github-rate-limit', retryable: true });
    expect([...quota.refused]).toEqual([['installation ID 42', 1]]);
  });

  it("holds the installation's every route once GitHub refuses it for its quota, until the reset, and not another installation's", async () => {
    // Prepare: installation 42 spends its 3 requests of the minute and is refused once.
    gitHub = await startGitHubStandIn();
    const quota = gitHub.limitQuota({ requestsPerWindow: 3, windowMs: 60_000 });
    const { registry } = standInAppRegistry(gitHub);
    await inTurn(4, () => registry.listRunners(42, org, 1));
    const sentBefore = gitHub.requests.length;

    // Act: registrations on the same installation, and one on another.
    const held = await inTurn(5, (index) =>
      registry.register({ installationId: 42, scope: org, name: `linux-small-${index}`, labels: ['linux'] }),
    );
    const other = await registry.register({
      installationId: 43,
      scope: repo,
      name: 'linux-small-other',
      labels: ['linux'],
    });

    // Assess: none of the five reached GitHub, each waits for the reset; installation 43 registered.
    expect(held.map((result) => result instanceof AutoscalerError && result.kind)).toEqual(
      Array(5).fill('github-rate-limit'),
    );
    for (const result of held) expect((result as AutoscalerError).retryAfterSeconds).toBeGreaterThan(50);
    expect(gitHub.requests.slice(sentBefore).map(({ path }) => path)).not.toContain(JIT_PATH);
    expect(other).toMatchObject({ kind: 'jit', runnerId: expect.any(Number) });
    expect([...quota.refused]).toEqual([['installation ID 42', 1]]);
  });

  it('has the Apps chosen by the quota their answers report left, so that no installation runs out', async () => {
    // Prepare: 12 requests a minute per installation; App 1's installation has spent 8 of them.
    gitHub = await startGitHubStandIn();
    const quota = gitHub.limitQuota({ requestsPerWindow: 12, windowMs: 60_000 });
    const first = standInAppRegistry(gitHub);
    const added = gitHub.addApp();
    const second = standInAppRegistry(gitHub, added);
    await inTurn(8, () => first.registry.listRunners(42, org, 1));
    const subject = new MultiAppRunnerRegistry([first, second]);

    // Act: 12 reads, more than App 1 has left.
    const results = await inTurn(12, () => subject.listRunners(42, org, 1));

    // Assess: all answered, none refused, and the two installations left with the same quota.
    const used = [42, gitHub.installationOf(added.appId, 42)].map((id) =>
      quota.usedBy(`installation ID ${id}`),
    );
    expect(results.filter((result) => result instanceof AutoscalerError)).toEqual([]);
    expect([...quota.refused]).toEqual([]);
    expect(Math.abs((used[0] ?? 0) - (used[1] ?? 0))).toBeLessThanOrEqual(1);
    expect((used[0] ?? 0) + (used[1] ?? 0)).toBe(20);
  });
});
