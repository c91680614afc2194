import { describe, expect, it } from 'vitest';
import { AutoscalerError } from '../../lib/errors.ts';
import { departuresFromOpenApi, routesServed } from '../helpers/openApiResponses.ts';
import { ORG_SCOPE as org, REPO_SCOPE as repo, standInForFile } from '../helpers/standInAppRegistry.ts';

const file = standInForFile();
const registry = file.registry;

describe('GitHubRunnerRegistry: runners', () => {
  it('registers a JIT runner as the App installation, in the organisation', async () => {
    // Act
    const registration = await registry().register({
      installationId: 42,
      scope: org,
      name: 'linux-small-1',
      labels: ['linux'],
    });

    // Assess
    expect(registration).toEqual({
      kind: 'jit',
      runnerId: expect.any(Number),
      encodedJitConfig: expect.any(String),
    });
    expect(file.gitHub.requests.at(-1)).toEqual({
      method: 'POST',
      path: '/orgs/acme/actions/runners/generate-jitconfig',
      body: { name: 'linux-small-1', runner_group_id: 1, labels: ['linux'], work_folder: '_work' },
    });
  });

  it('registers in the repository for a user-owned repository', async () => {
    await registry().register({ installationId: 42, scope: repo, name: 'linux-small-2', labels: ['linux'] });
    expect(file.gitHub.requests.at(-1)?.path).toBe('/repos/octocat/hello/actions/runners/generate-jitconfig');
  });

  it('replaces a leftover runner of the same name that an interrupted attempt registered', async () => {
    // Prepare
    const subject = registry();
    const first = await subject.register({
      installationId: 42,
      scope: org,
      name: 'linux-small-3',
      labels: ['linux'],
    });

    // Act
    const second = await subject.register({
      installationId: 42,
      scope: org,
      name: 'linux-small-3',
      labels: ['linux'],
    });

    // Assess
    expect(second.kind === 'jit' && first.kind === 'jit' && second.runnerId !== first.runnerId).toBe(true);
    expect(
      [...file.gitHub.runners.values()].filter((runner) => runner.name === 'linux-small-3'),
    ).toHaveLength(1);
  });

  it('waits, with a retryable error, while a busy runner still holds the name it is to register', async () => {
    // Prepare
    const subject = registry();
    const request = { installationId: 42, scope: org, name: 'linux-small-6', labels: ['linux'] };
    await subject.register(request);
    file.gitHub.setBusy('linux-small-6', true);

    // Act
    const error = await subject.register(request).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ kind: 'github', retryable: true });
    expect((error as Error).message).toMatch(/linux-small-6 still runs a job/);
    expect(
      [...file.gitHub.runners.values()].filter((runner) => runner.name === 'linux-small-6'),
    ).toHaveLength(1);
  });

  it('deregisters idle and absent runners, and refuses a busy one, leaving it registered', async () => {
    // Prepare
    const subject = registry();
    const busy = await subject.register({
      installationId: 42,
      scope: org,
      name: 'linux-small-4',
      labels: ['linux'],
    });
    await subject.register({ installationId: 42, scope: org, name: 'linux-small-5', labels: ['linux'] });
    file.gitHub.setBusy('linux-small-4', true);
    const busyId = busy.kind === 'jit' ? busy.runnerId : undefined;

    // Act
    const removed = await Promise.all([
      subject.deregister({ installationId: 42, scope: org, name: 'linux-small-4', id: busyId }),
      subject.deregister({ installationId: 42, scope: org, name: 'linux-small-5' }),
      subject.deregister({ installationId: 42, scope: org, name: 'no-such-runner' }),
    ]);

    // Assess
    expect(removed).toEqual([false, true, true]);
    const names = [...file.gitHub.runners.values()].map((runner) => runner.name);
    expect(names).toContain('linux-small-4');
    expect(names).not.toContain('linux-small-5');
  });

  it('reuses one registration token per installation and scope until it nears expiry', async () => {
    // Prepare
    let clock = new Date();
    const subject = registry('registration-token', () => clock);
    const request = { installationId: 42, scope: org, name: 'x', labels: ['linux'] };

    // Act
    const tokens = await Promise.all([
      subject.register(request),
      subject.register(request),
      subject.register(request),
    ]);
    clock = new Date(clock.getTime() + 56 * 60_000);
    const renewed = await subject.register(request);

    // Assess
    expect(new Set(tokens.map((token) => JSON.stringify(token))).size).toBe(1);
    expect(renewed).not.toEqual(tokens[0]);
    expect(
      file.gitHub.requests.filter((request) => request.path.endsWith('/registration-token')),
    ).toHaveLength(2);
  });

  it.each([
    ['a 429 with retry-after', { status: 429, headers: { 'retry-after': '42' } }, true, 42],
    ['a secondary rate limit 403', { status: 403, headers: { 'retry-after': '60' } }, true, 60],
    ['a 502 that lasts', { status: 502 }, true, undefined],
    ['a 403 for a missing permission', { status: 403 }, false, undefined],
    ['a 404 for an unknown organisation', { status: 404 }, false, undefined],
  ])('maps %s to retryable=%s', async (_, fault, retryable, retryAfterSeconds) => {
    // Prepare: a server error is retried twice in process, so it must last three answers.
    const answers = fault.status >= 500 ? 3 : 1;
    for (let answer = 0; answer < answers; answer++) file.gitHub.injectFault(/generate-jitconfig$/, fault);

    // Act
    const error = await registry()
      .register({ installationId: 42, scope: org, name: 'faulty', labels: ['linux'] })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(AutoscalerError);
    expect(error).toMatchObject({ retryable, retryAfterSeconds });
    expect((error as Error).message).toMatch(/^GitHub: could not generate a JIT config/);
  });

  it("lists the App's installations, and an organisation's runners page by page", async () => {
    // Prepare: 150 runners in the organisation.
    const subject = registry();
    for (let index = 0; index < 150; index++) {
      await subject.register({ installationId: 42, scope: org, name: `paged-${index}`, labels: ['x'] });
    }
    file.gitHub.setBusy('paged-7', true);

    // Act
    const installations = await subject.installations();
    const runners = await subject.listRunners(42, org, 3);
    const firstPage = await subject.listRunners(42, org, 1);

    // Assess
    expect(installations).toEqual([
      { id: 42, account: 'acme', accountType: 'Organization' },
      { id: 43, account: 'octocat', accountType: 'User' },
    ]);
    const paged = runners.filter(({ name }) => name.startsWith('paged-'));
    expect(paged).toHaveLength(150);
    expect(paged.find(({ name }) => name === 'paged-7')).toMatchObject({ status: 'offline', busy: true });
    expect(firstPage).toHaveLength(100);
  });
});

describe('the GitHub stand-in', () => {
  it("answers the runner routes as GitHub's OpenAPI description says, with its rate-limit headers", () => {
    expect([...routesServed(file.gitHub.responses)].sort()).toEqual([
      'DELETE /orgs/{org}/actions/runners/{runner_id}',
      'GET /app/installations',
      'GET /orgs/{org}/actions/runners',
      'POST /app/installations/{installation_id}/access_tokens',
      'POST /orgs/{org}/actions/runners/generate-jitconfig',
      'POST /orgs/{org}/actions/runners/registration-token',
      'POST /repos/{owner}/{repo}/actions/runners/generate-jitconfig',
    ]);
    expect(departuresFromOpenApi(file.gitHub.responses, { rateLimits: true })).toEqual([]);
  });
});
