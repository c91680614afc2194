import { afterEach, describe, expect, it } from 'vitest';
import { GitHubPushback } from '../../lib/adapters/gitHubPushback.ts';
import { GitHubRunnerRegistry } from '../../lib/adapters/githubRunnerRegistry.ts';
import { AutoscalerError } from '../../lib/errors.ts';
import type { RunnerRegistration } from '../../lib/ports.ts';
import { type GitHubStandIn, startGitHubStandIn } from '../helpers/gitHubStandIn.ts';

const org = { kind: 'org', org: 'acme' } as const;
const JIT_PATH = '/orgs/acme/actions/runners/generate-jitconfig';
let gitHub: GitHubStandIn | undefined;
afterEach(() => gitHub?.close());

function registry(standIn: GitHubStandIn) {
  return new GitHubRunnerRegistry({
    github: { appId: 1, apiUrl: standIn.apiUrl, registrationMode: 'jit', runnerGroupId: 1 },
    privateKey: standIn.appPrivateKey,
  });
}

/** Registers runners one after the other, as the records of an invocation: each result or error. */
async function registerInTurn(subject: GitHubRunnerRegistry, names: string[]) {
  const results: (AutoscalerError | RunnerRegistration)[] = [];
  for (const name of names) {
    results.push(
      await subject
        .register({ installationId: 42, scope: org, name, labels: ['linux'] })
        .catch((error: AutoscalerError) => error),
    );
  }
  return results;
}

const jitCalls = (standIn: GitHubStandIn) =>
  standIn.requests.filter(({ method, path }) => method === 'POST' && path === JIT_PATH).length;

describe('GitHubPushback', () => {
  it('gives the calls held back their turns a write apart once the wait GitHub asked for has passed', () => {
    // Prepare
    const pushback = new GitHubPushback();
    pushback.pushedBack('POST /jit', 60, 0);

    // Act
    const waits = [0, 0, 0, 0, 0].map(() => pushback.heldBack(['POST /jit'], 0)?.waitSeconds);
    const other = pushback.heldBack(['GET /runners'], 0);
    const after = pushback.heldBack(['POST /jit'], 60_000);

    // Assess
    expect(waits).toEqual([60, 61, 61, 61, 62]);
    expect(other).toBeUndefined();
    expect(after).toBeUndefined();
  });

  it('keeps the longer of two holds', () => {
    const pushback = new GitHubPushback();
    pushback.pushedBack('quota', 300, 0);
    pushback.pushedBack('quota', 10, 0);
    expect(pushback.heldBack(['quota'], 100_000)?.waitSeconds).toBe(200);
  });
});

describe('a GitHub App pushed back by its secondary limit', () => {
  it('stops calling the endpoint after its first refusal, for every record, until retry-after has passed', async () => {
    // Prepare: the JIT endpoint takes 10 writes per 2 s window.
    gitHub = await startGitHubStandIn();
    const limit = gitHub.limitSecondary({ pointsPerWindow: 50, windowMs: 2000 });
    const subject = registry(gitHub);
    const names = Array.from({ length: 30 }, (_, index) => `linux-small-${9000 + index}`);

    // Act
    const results = await registerInTurn(subject, names);
    const held = results.filter((result) => result instanceof AutoscalerError);
    const firstWait = held[0]?.retryAfterSeconds ?? 0;
    await new Promise((resolve) => setTimeout(resolve, firstWait * 1000 + 100));
    const [afterWait] = await registerInTurn(subject, ['linux-small-9100']);

    // Assess: 10 registered, one refused by GitHub, 19 never sent, and the next one after the wait goes through.
    expect(results.filter((result) => !(result instanceof AutoscalerError))).toHaveLength(10);
    expect(held.map(({ kind, retryable }) => [kind, retryable])).toEqual(
      Array(20).fill(['github-rate-limit', true]),
    );
    expect(jitCalls(gitHub)).toBe(12);
    expect([...limit.refused.values()]).toEqual([1]);
    const waits = held.map(({ retryAfterSeconds }) => retryAfterSeconds ?? 0);
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    expect((waits.at(-1) ?? 0) - firstWait).toBeGreaterThanOrEqual(5);
    expect(afterWait).toMatchObject({ runnerId: expect.any(Number) });
  });

  it('paces its own writes at the secondary limit, so GitHub refuses none of a burst beyond it', async () => {
    // Prepare: GitHub's own limit, 900 points (180 writes) a minute on the JIT endpoint.
    gitHub = await startGitHubStandIn();
    const limit = gitHub.limitSecondary({ pointsPerWindow: 900, windowMs: 60_000 });
    const names = Array.from({ length: 200 }, (_, index) => `linux-small-${12_000 + index}`);

    // Act
    const results = await registerInTurn(registry(gitHub), names);

    // Assess: 180 writes (the installation token's, and 179 registrations), the other 21 held back
    // here with turns a write apart, and none refused by GitHub.
    const held = results.filter((result) => result instanceof AutoscalerError);
    expect(results.length - held.length).toBe(179);
    expect(new Set(held.map(({ kind }) => kind))).toEqual(new Set(['github-rate-limit']));
    expect([...limit.refused.values()]).toEqual([]);
    expect(jitCalls(gitHub)).toBe(179);
    const waits = held.map(({ retryAfterSeconds }) => retryAfterSeconds ?? 0);
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    expect((waits.at(-1) ?? 0) - (waits[0] ?? 0)).toBeGreaterThanOrEqual(6);
  });

  it("holds an installation's every route once its quota is spent, and not another installation's", async () => {
    // Prepare: GitHub answers installation 42's next call with an exhausted quota, reset in two minutes.
    gitHub = await startGitHubStandIn();
    const subject = registry(gitHub);
    await subject.listRunners(42, org, 1);
    const reset = String(Math.ceil(Date.now() / 1000) + 120);
    gitHub.injectFault(/^GET \/orgs\/acme\/actions\/runners$/, {
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      body: { message: 'API rate limit exceeded for installation ID 42.' },
    });
    const refused = await subject.listRunners(42, org, 1).catch((error: AutoscalerError) => error);
    const sentBefore = gitHub.requests.length;

    // Act
    const held = await registerInTurn(subject, ['linux-small-9200']);
    const otherInstallation = await subject.register({
      installationId: 43,
      scope: { kind: 'repo', owner: 'octocat', repo: 'hello' },
      name: 'linux-small-9201',
      labels: ['linux'],
    });

    // Assess
    expect(refused).toMatchObject({ kind: 'github-rate-limit' });
    expect(held[0]).toMatchObject({ kind: 'github-rate-limit', retryAfterSeconds: expect.any(Number) });
    expect((held[0] as AutoscalerError).retryAfterSeconds).toBeGreaterThan(100);
    expect(gitHub.requests.slice(sentBefore).map(({ path }) => path)).not.toContain(JIT_PATH);
    expect(otherInstallation).toMatchObject({ runnerId: expect.any(Number) });
  });
});
