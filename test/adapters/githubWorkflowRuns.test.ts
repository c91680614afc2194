import { describe, expect, it } from 'vitest';
import { departuresFromOpenApi, routesServed } from '../helpers/openApiResponses.ts';
import { standInForFile } from '../helpers/standInAppRegistry.ts';

const file = standInForFile();
const registry = file.registry;

describe('GitHubRunnerRegistry: workflow jobs and runs', () => {
  it("reads a job's status and runner from GitHub, and an unknown job as absent", async () => {
    // Prepare
    file.gitHub.setJob('acme/app', 9001, 'queued');
    file.gitHub.setJob('acme/app', 9002, 'in_progress', 'linux-small-9001');
    file.gitHub.setJob('acme/app', 9003, 'completed', 'linux-small-9003');
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
    expect(file.gitHub.requests.at(-1)?.path).toMatch(/^\/repos\/acme\/app\/actions\/jobs\/900\d$/);
  });

  it('reads a job an approval holds as waiting, and one a concurrency group holds, or not yet queued, as queued', async () => {
    // Prepare: run 33 has a job waiting for an environment's approval, one pending in a concurrency
    // group and one just requested; run 34 has a job waiting beside a finished one.
    for (const [jobId, status] of [
      [9501, 'waiting'],
      [9502, 'pending'],
      [9503, 'requested'],
    ] as const)
      file.gitHub.setJob('acme/deploy', jobId, status, null, { runId: 33 });
    file.gitHub.setJob('acme/deploy', 9504, 'completed', 'linux-small-9504', { runId: 34 });
    file.gitHub.setJob('acme/deploy', 9505, 'waiting', null, { runId: 34 });
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
    file.gitHub.setJob('acme/svc', 9201, 'queued', null, {
      runId: 31,
      labels,
      createdAt: '2026-11-28T09:00:00Z',
    });
    file.gitHub.setJob('acme/svc', 9202, 'in_progress', 'linux-small-9', { runId: 31, labels });
    file.gitHub.setJob('acme/svc', 9203, 'queued', null, { runId: 32, labels });
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
    expect(file.gitHub.requests.at(-1)?.path).toBe(
      '/repos/acme/svc/actions/runs/31/jobs?filter=latest&per_page=100',
    );
  });

  it("lists every execution of a run's jobs with `all`: a re-run keeps its job's name under a new ID", async () => {
    // Prepare: run 35's two jobs failed, and one of them was re-run alone.
    file.gitHub.setJob('acme/svc', 9301, 'completed', null, { runId: 35, conclusion: 'failure' });
    file.gitHub.setJob('acme/svc', 9302, 'completed', null, { runId: 35, conclusion: 'cancelled' });
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
    expect(file.gitHub.requests.at(-1)?.path).toBe(
      '/repos/acme/svc/actions/runs/35/jobs?filter=all&per_page=100',
    );
  });

  it('reads a run, and re-runs a job or the failed jobs of a run once it completed, not before', async () => {
    // Prepare: run 41 has two jobs, one still running; run 42 is done, with two failed jobs.
    file.gitHub.setJob('acme/ci', 9301, 'completed', 'linux-small-9301', {
      runId: 41,
      conclusion: 'failure',
    });
    file.gitHub.setJob('acme/ci', 9302, 'in_progress', 'linux-small-9302', { runId: 41 });
    for (const jobId of [9303, 9304])
      file.gitHub.setJob('acme/ci', jobId, 'completed', null, { runId: 42, conclusion: 'failure' });
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
    file.gitHub.setJob('acme/perm', 9401, 'completed', null, { runId: 44, conclusion: 'failure' });
    const subject = registry();
    const job = { installationId: 42, repository: 'acme/perm', jobId: 9401 };

    // Act
    file.gitHub.injectFault(/^POST .*\/jobs\/9401\/rerun$/, {
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const refused = await subject.rerunJob(job);
    // A 502 that outlasts the client's own retries.
    for (let attempt = 0; attempt < 4; attempt++)
      file.gitHub.injectFault(/^POST .*\/jobs\/9401\/rerun$/, {
        status: 502,
        body: { message: 'Bad gateway' },
      });
    const error = await subject.rerunJob(job).catch((caught: unknown) => caught);

    // Assess
    expect(refused).toEqual({ refused: expect.stringContaining('Resource not accessible by integration') });
    expect(error).toMatchObject({ name: 'AutoscalerError', retryable: true });
  });
});

describe('the GitHub stand-in', () => {
  it("answers the job and run routes as GitHub's OpenAPI description says, with its rate-limit headers", () => {
    expect([...routesServed(file.gitHub.responses)].sort()).toEqual([
      'GET /installation/repositories',
      'GET /repos/{owner}/{repo}/actions/jobs/{job_id}',
      'GET /repos/{owner}/{repo}/actions/runs',
      'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
      'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
      'POST /app/installations/{installation_id}/access_tokens',
      'POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun',
    ]);
    expect(departuresFromOpenApi(file.gitHub.responses, { rateLimits: true })).toEqual([]);
  });
});
