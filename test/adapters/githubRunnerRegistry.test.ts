import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubRunnerRegistry } from '../../lib/adapters/githubRunnerRegistry.ts';
import { AutoscalerError } from '../../lib/errors.ts';
import { MetricsRecorder } from '../../lib/telemetry/MetricsRecorder.ts';
import { type GitHubStandIn, startGitHubStandIn } from '../helpers/gitHubStandIn.ts';
import { openApiResponseChecker, rateLimitChecker } from '../helpers/openApiResponses.ts';

const org = { kind: 'org', org: 'acme' } as const;
const repo = { kind: 'repo', owner: 'octocat', repo: 'hello' } as const;
let gitHub: GitHubStandIn;

beforeAll(async () => {
  gitHub = await startGitHubStandIn();
});
afterAll(() => gitHub.close());

function registry(mode: 'jit' | 'registration-token' = 'jit', now?: () => Date) {
  return new GitHubRunnerRegistry({
    github: { appId: 1, apiUrl: gitHub.apiUrl, registrationMode: mode, runnerGroupId: 1 },
    privateKey: gitHub.appPrivateKey,
    ...(now ? { now } : {}),
  });
}

describe('GitHubRunnerRegistry', () => {
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
    expect(gitHub.requests.at(-1)).toEqual({
      method: 'POST',
      path: '/orgs/acme/actions/runners/generate-jitconfig',
      body: { name: 'linux-small-1', runner_group_id: 1, labels: ['linux'], work_folder: '_work' },
    });
  });

  it('registers in the repository for a user-owned repository', async () => {
    await registry().register({ installationId: 42, scope: repo, name: 'linux-small-2', labels: ['linux'] });
    expect(gitHub.requests.at(-1)?.path).toBe('/repos/octocat/hello/actions/runners/generate-jitconfig');
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
    expect([...gitHub.runners.values()].filter((runner) => runner.name === 'linux-small-3')).toHaveLength(1);
  });

  it('waits, with a retryable error, while a busy runner still holds the name it is to register', async () => {
    // Prepare
    const subject = registry();
    const request = { installationId: 42, scope: org, name: 'linux-small-6', labels: ['linux'] };
    await subject.register(request);
    gitHub.setBusy('linux-small-6', true);

    // Act
    const error = await subject.register(request).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ kind: 'github', retryable: true });
    expect((error as Error).message).toMatch(/linux-small-6 still runs a job/);
    expect([...gitHub.runners.values()].filter((runner) => runner.name === 'linux-small-6')).toHaveLength(1);
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
    gitHub.setBusy('linux-small-4', true);
    const busyId = busy.kind === 'jit' ? busy.runnerId : undefined;

    // Act
    const removed = await Promise.all([
      subject.deregister({ installationId: 42, scope: org, name: 'linux-small-4', id: busyId }),
      subject.deregister({ installationId: 42, scope: org, name: 'linux-small-5' }),
      subject.deregister({ installationId: 42, scope: org, name: 'no-such-runner' }),
    ]);

    // Assess
    expect(removed).toEqual([false, true, true]);
    const names = [...gitHub.runners.values()].map((runner) => runner.name);
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
    expect(gitHub.requests.filter((request) => request.path.endsWith('/registration-token'))).toHaveLength(2);
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
    for (let answer = 0; answer < answers; answer++) gitHub.injectFault(/generate-jitconfig$/, fault);

    // Act
    const error = await registry()
      .register({ installationId: 42, scope: org, name: 'faulty', labels: ['linux'] })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(AutoscalerError);
    expect(error).toMatchObject({ retryable, retryAfterSeconds });
    expect((error as Error).message).toMatch(/^GitHub: could not generate a JIT config/);
  });

  it("reads a job's status and runner from GitHub, and an unknown job as absent", async () => {
    // Prepare
    gitHub.setJob('acme/app', 9001, 'queued');
    gitHub.setJob('acme/app', 9002, 'in_progress', 'linux-small-9001');
    gitHub.setJob('acme/app', 9003, 'completed', 'linux-small-9003');
    const subject = registry();
    const read = (jobId: number) => subject.readJob({ installationId: 42, repository: 'acme/app', jobId });

    // Act
    const jobs = await Promise.all([9001, 9002, 9003, 9004].map(read));

    // Assess
    expect(jobs).toEqual([
      { status: 'queued', runnerName: null, runnerId: null, startedAt: expect.any(String) },
      {
        status: 'in_progress',
        runnerName: 'linux-small-9001',
        runnerId: null,
        startedAt: expect.any(String),
      },
      { status: 'completed', runnerName: 'linux-small-9003', runnerId: null, startedAt: expect.any(String) },
      { status: 'absent', runnerName: null },
    ]);
    expect(gitHub.requests.at(-1)?.path).toMatch(/^\/repos\/acme\/app\/actions\/jobs\/900\d$/);
  });

  it('reads a job an approval holds as waiting, and one a concurrency group holds, or not yet queued, as queued', async () => {
    // Prepare: run 33 has a job waiting for an environment's approval, one pending in a concurrency
    // group and one just requested; run 34 has a job waiting beside a finished one.
    for (const [jobId, status] of [
      [9501, 'waiting'],
      [9502, 'pending'],
      [9503, 'requested'],
    ] as const)
      gitHub.setJob('acme/deploy', jobId, status, null, { runId: 33 });
    gitHub.setJob('acme/deploy', 9504, 'completed', 'linux-small-9504', { runId: 34 });
    gitHub.setJob('acme/deploy', 9505, 'waiting', null, { runId: 34 });
    const subject = registry();
    const read = (jobId: number) => subject.readJob({ installationId: 42, repository: 'acme/deploy', jobId });

    // Act
    const jobs = await Promise.all([9501, 9502, 9503].map(read));
    const listed = await subject.listRunJobs(42, 'acme/deploy', 33);
    const run = await subject.readRun({ installationId: 42, repository: 'acme/deploy', runId: 34 });

    // Assess
    expect(jobs.map(({ status }) => status)).toEqual(['waiting', 'queued', 'queued']);
    expect(listed.map(({ id, status }) => [id, status])).toEqual([
      [9501, 'waiting'],
      [9502, 'queued'],
      [9503, 'queued'],
    ]);
    expect(run).toMatchObject({ status: 'waiting' });
  });

  it("lists an installation's repositories, a repository's runs by status, and a run's jobs", async () => {
    // Prepare: run 31 of acme/svc has a queued and a running job; run 32 has only a queued one.
    const labels = ['self-hosted', 'linux'];
    gitHub.setJob('acme/svc', 9201, 'queued', null, { runId: 31, labels, createdAt: '2026-11-28T09:00:00Z' });
    gitHub.setJob('acme/svc', 9202, 'in_progress', 'linux-small-9', { runId: 31, labels });
    gitHub.setJob('acme/svc', 9203, 'queued', null, { runId: 32, labels });
    const subject = registry();

    // Act
    const repositories = await subject.listRepositories(42, 3);
    const queuedRuns = await subject.listRuns(42, 'acme/svc', 'queued');
    const runningRuns = await subject.listRuns(42, 'acme/svc', 'in_progress');
    const jobs = await subject.listRunJobs(42, 'acme/svc', 31);

    // Assess
    expect(repositories).toContain('acme/svc');
    expect(queuedRuns).toEqual([32]);
    expect(runningRuns).toEqual([31]);
    expect(jobs).toEqual([
      {
        id: 9201,
        runId: 31,
        runAttempt: 1,
        name: 'build (9201)',
        status: 'queued',
        conclusion: null,
        labels,
        createdAt: '2026-11-28T09:00:00Z',
      },
      {
        id: 9202,
        runId: 31,
        runAttempt: 1,
        name: 'build (9202)',
        status: 'in_progress',
        conclusion: null,
        labels,
        createdAt: expect.any(String),
      },
    ]);
    expect(gitHub.requests.at(-1)?.path).toBe(
      '/repos/acme/svc/actions/runs/31/jobs?filter=latest&per_page=100',
    );
  });

  it("lists every execution of a run's jobs with `all`: a re-run keeps its job's name under a new ID", async () => {
    // Prepare: run 35's two jobs failed, and one of them was re-run alone.
    gitHub.setJob('acme/svc', 9301, 'completed', null, { runId: 35, conclusion: 'failure' });
    gitHub.setJob('acme/svc', 9302, 'completed', null, { runId: 35, conclusion: 'cancelled' });
    const subject = registry();
    const rerun = await subject.rerunJob({ installationId: 42, repository: 'acme/svc', jobId: 9301 });

    // Act
    const latest = await subject.listRunJobs(42, 'acme/svc', 35);
    const all = await subject.listRunJobs(42, 'acme/svc', 35, 'all');

    // Assess
    expect(rerun).toEqual({ rerun: true });
    expect(latest.map(({ name, runAttempt }) => [name, runAttempt])).toEqual([['build (9301)', 2]]);
    expect(
      all.map(({ id, name, runAttempt }) => [id === 9301 || id === 9302 ? id : 'new', name, runAttempt]),
    ).toEqual([
      [9301, 'build (9301)', 1],
      [9302, 'build (9302)', 1],
      ['new', 'build (9301)', 2],
    ]);
    expect(gitHub.requests.at(-1)?.path).toBe('/repos/acme/svc/actions/runs/35/jobs?filter=all&per_page=100');
  });

  it('reads a run, and re-runs a job or the failed jobs of a run once it completed, not before', async () => {
    // Prepare: run 41 has two jobs, one still running; run 42 is done, with two failed jobs.
    gitHub.setJob('acme/ci', 9301, 'completed', 'linux-small-9301', { runId: 41, conclusion: 'failure' });
    gitHub.setJob('acme/ci', 9302, 'in_progress', 'linux-small-9302', { runId: 41 });
    for (const jobId of [9303, 9304])
      gitHub.setJob('acme/ci', jobId, 'completed', null, { runId: 42, conclusion: 'failure' });
    const subject = registry();
    const run = (runId: number) => ({ installationId: 42, repository: 'acme/ci', runId });
    const job = (jobId: number) => ({ installationId: 42, repository: 'acme/ci', jobId });

    // Act
    const [running, done, absent] = await Promise.all(
      [41, 42, 43].map((runId) => subject.readRun(run(runId))),
    );
    const tooEarly = await subject.rerunJob(job(9301));
    const rerunOne = await subject.rerunJob(job(9303));
    const rerunFailed = await subject.rerunFailedJobs(run(42));

    // Assess
    expect([running, done, absent]).toEqual([
      { status: 'in_progress', attempt: 1, conclusion: null },
      { status: 'completed', attempt: 1, conclusion: 'failure' },
      { status: 'absent', attempt: 0, conclusion: null },
    ]);
    expect(tooEarly).toEqual({
      refused: expect.stringMatching(/^GitHub: could not re-run job 9301 .*\(403\)/),
    });
    expect(rerunOne).toEqual({ rerun: true });
    expect(await subject.readRun(run(42))).toMatchObject({ status: 'queued', attempt: 2 });
    expect(rerunFailed).toEqual({ refused: expect.stringContaining('(403)') });
  });

  it('takes a re-run refused for want of actions: write as refused, and a server error as retryable', async () => {
    // Prepare
    gitHub.setJob('acme/perm', 9401, 'completed', null, { runId: 44, conclusion: 'failure' });
    const subject = registry();
    const job = { installationId: 42, repository: 'acme/perm', jobId: 9401 };

    // Act
    gitHub.injectFault(/^POST .*\/jobs\/9401\/rerun$/, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const refused = await subject.rerunJob(job);
    gitHub.injectFault(/^POST .*\/jobs\/9401\/rerun$/, { status: 502, body: { message: 'Bad gateway' } });
    gitHub.injectFault(/^POST .*\/jobs\/9401\/rerun$/, { status: 502, body: { message: 'Bad gateway' } });
    gitHub.injectFault(/^POST .*\/jobs\/9401\/rerun$/, { status: 502, body: { message: 'Bad gateway' } });
    gitHub.injectFault(/^POST .*\/jobs\/9401\/rerun$/, { status: 502, body: { message: 'Bad gateway' } });
    const error = await subject.rerunJob(job).catch((caught: unknown) => caught);

    // Assess
    expect(refused).toEqual({ refused: expect.stringContaining('Resource not accessible by integration') });
    expect(error).toMatchObject({ name: 'AutoscalerError', retryable: true });
  });

  it("lists the App's installations, and an organisation's runners page by page", async () => {
    // Prepare: 150 runners in the organisation.
    const subject = registry();
    for (let index = 0; index < 150; index++) {
      await subject.register({ installationId: 42, scope: org, name: `paged-${index}`, labels: ['x'] });
    }
    gitHub.setBusy('paged-7', true);

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

  it('retries a passing server error at once, but leaves a rate limit to the queue', async () => {
    // Prepare
    const jitRequests = () =>
      gitHub.requests.filter(({ path }) => path.endsWith('/generate-jitconfig')).length;
    const subject = registry();
    gitHub.injectFault(/generate-jitconfig$/, { status: 502 });
    const before = jitRequests();

    // Act
    const registration = await subject.register({
      installationId: 42,
      scope: org,
      name: 'blip',
      labels: ['x'],
    });
    gitHub.injectFault(/generate-jitconfig$/, { status: 429, headers: { 'retry-after': '30' } });
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
      github: { appId: 1, apiUrl: gitHub.apiUrl, registrationMode: 'jit', runnerGroupId: 1 },
      privateKey: gitHub.appPrivateKey,
      metrics,
    });

    // Act: the first call also fetches an installation token, on the App's quota.
    await measured.register({ installationId: 42, scope: org, name: 'linux-small-rate', labels: ['linux'] });
    gitHub.setJob('acme/app', 9100, 'queued');
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
      github: { appId: 1, apiUrl: gitHub.apiUrl, registrationMode: 'jit', runnerGroupId: 1 },
      privateKey: gitHub.appPrivateKey,
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
  it("answers every route it served in these tests as GitHub's OpenAPI description says, with its rate-limit headers", () => {
    // Prepare
    const check = openApiResponseChecker();
    const checkRateLimit = rateLimitChecker();
    const served = gitHub.responses.filter((response) => response.route);

    // Act
    const problems = served.flatMap((response) =>
      [
        ...check(response.method, response.route, response.status, response.body),
        ...checkRateLimit(response.headers),
      ].map((problem) => `${response.method} ${response.route} ${response.status}: ${problem}`),
    );

    // Assess
    expect(
      new Set(served.map((response) => `${response.method} ${response.route}`)).size,
    ).toBeGreaterThanOrEqual(12);
    expect(problems).toEqual([]);
  });
});
