import { describe, expect, it } from 'vitest';
import { GitHubRunnerRegistry } from '../../lib/adapters/githubRunnerRegistry.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { departuresFromOpenApi, routesServed } from '../helpers/openApiResponses.ts';
import { ORG_SCOPE as org, standInForFile } from '../helpers/standInAppRegistry.ts';

const file = standInForFile();
const registry = file.registry;

describe('GitHubRunnerRegistry: GitHub failing', () => {
  it('retries a passing server error at once, but leaves a rate limit to the queue', async () => {
    // Prepare
    const jitRequests = () =>
      file.gitHub.requests.filter(({ path }) => path.endsWith('/generate-jitconfig')).length;
    const subject = registry();
    file.gitHub.injectFault(/generate-jitconfig$/, { status: 502 });
    const before = jitRequests();

    // Act
    const registration = await subject.register({
      installationId: 42,
      scope: org,
      name: 'blip',
      labels: ['x'],
    });
    file.gitHub.injectFault(/generate-jitconfig$/, { status: 429, headers: { 'retry-after': '30' } });
    const limited = await subject
      .register({ installationId: 42, scope: org, name: 'limited', labels: ['x'] })
      .catch((caught: unknown) => caught);

    // Assess
    expect(registration).toMatchObject({ kind: 'jit' });
    expect(limited).toMatchObject({ kind: 'github-rate-limit', retryAfterSeconds: 30 });
    expect(jitRequests() - before).toBe(3);
  });

  it("records the installation's remaining rate limit from GitHub's answers, not the App's own", async () => {
    // Prepare
    const metrics = new MetricsRecorder();
    const measured = new GitHubRunnerRegistry({
      github: { appId: 1, apiUrl: file.gitHub.apiUrl, registrationMode: 'jit', runnerGroupId: 1 },
      privateKey: file.gitHub.appPrivateKey,
      metrics,
    });

    // Act: the first call also fetches an installation token, on the App's quota.
    await measured.register({ installationId: 42, scope: org, name: 'linux-small-rate', labels: ['linux'] });
    file.gitHub.setJob('acme/app', 9100, 'queued');
    await measured.readJob({ installationId: 42, repository: 'acme/app', jobId: 9100 });

    // Assess
    const points = metrics.points('GitHubRateLimitRemaining');
    expect(points.map(({ dimensions }) => dimensions)).toEqual([{ App: '1' }, { App: '1' }]);
    const [afterRegister, afterRead] = points.map(({ value }) => value);
    expect(afterRegister).toBeLessThan(5000);
    expect(afterRead).toBeLessThan(afterRegister as number);
  });

  it('turns a timeout into a retryable error at once, without waiting it out again', async () => {
    // Prepare
    let fetches = 0;
    const slow = new GitHubRunnerRegistry({
      github: { appId: 1, apiUrl: file.gitHub.apiUrl, registrationMode: 'jit', runnerGroupId: 1 },
      privateKey: file.gitHub.appPrivateKey,
      requestTimeoutMs: 200,
      fetch: (_input, init) => {
        fetches += 1;
        return new Promise((_, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
        );
      },
    });

    // Act
    const error = await slow
      .readJob({ installationId: 42, repository: 'acme/app', jobId: 1 })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ kind: 'github', retryable: true });
    expect((error as Error).message).toMatch(/no answer within 200 ms/);
    expect(fetches).toBe(1);
  });
});

describe('the GitHub stand-in', () => {
  it("answers while it fails as GitHub's OpenAPI description says, with its rate-limit headers", () => {
    expect([...routesServed(file.gitHub.responses)].sort()).toEqual([
      'GET /repos/{owner}/{repo}/actions/jobs/{job_id}',
      'POST /app/installations/{installation_id}/access_tokens',
      'POST /orgs/{org}/actions/runners/generate-jitconfig',
    ]);
    expect(departuresFromOpenApi(file.gitHub.responses, { rateLimits: true })).toEqual([]);
  });
});
