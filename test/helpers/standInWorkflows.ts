import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runStatusOfJobs } from './runStatusOfJobs.ts';

type Send = (status: number, payload?: unknown, route?: string, headers?: Record<string, string>) => void;

/**
 * A workflow job's `status` as GitHub's API answers it (its OpenAPI `job` schema): `waiting` while an
 * environment's protection rules hold it, `pending` while a concurrency group does.
 */
export type GitHubJobStatus = 'queued' | 'waiting' | 'requested' | 'pending' | 'in_progress' | 'completed';

export interface StandInWorkflowHooks {
  /** What a test does when GitHub re-runs jobs: the IDs of the new jobs it queues for them. */
  onRerun?: (repository: string, rerunJobIds: number[]) => number[];
}

/**
 * The GitHub stand-in's workflow jobs and runs: the routes that read them (a job, an installation's
 * repositories, a repository's runs, a run and its jobs) and the two that re-run jobs. A run is
 * made of the jobs a test sets; a re-run queues its jobs anew, under new IDs, in the next attempt.
 */
export class StandInWorkflows {
  /** Workflow jobs by `owner/repo#id`; a job not set here is unknown (404). */
  private readonly jobs = new Map<string, StandInJob>();
  private readonly hooks: StandInWorkflowHooks;
  private nextRerunJobId = 8_000_000_000;

  constructor(hooks: StandInWorkflowHooks) {
    this.hooks = hooks;
  }

  /** Sets a job as the jobs API reports it; what is not given stays as first set (run 1, `self-hosted`, now). */
  readonly setJob = (
    repository: string,
    jobId: number,
    status: GitHubJobStatus,
    runnerName: string | null = null,
    details: Partial<
      Pick<StandInJob, 'runId' | 'runAttempt' | 'name' | 'labels' | 'createdAt' | 'conclusion' | 'runnerId'>
    > = {},
  ) => {
    const key = `${repository}#${jobId}`;
    this.jobs.set(key, {
      runId: 1,
      runAttempt: 1,
      name: `build (${jobId})`,
      conclusion: null,
      runnerId: null,
      labels: ['self-hosted'],
      createdAt: new Date().toISOString(),
      ...this.jobs.get(key),
      ...details,
      repository,
      id: jobId,
      status,
      runnerName,
    });
  };

  /** Answers the request if it is one of these routes; false if it is not. */
  answer(method: string, url: URL, send: Send): boolean {
    const path = url.pathname;
    const sent = (...args: Parameters<Send>) => {
      send(...args);
      return true;
    };
    const jobRoute = /^\/repos\/([^/]+\/[^/]+)\/actions\/jobs\/(\d+)$/.exec(path);
    if (method === 'GET' && jobRoute?.[1] && jobRoute[2]) {
      const job = this.jobs.get(`${jobRoute[1]}#${jobRoute[2]}`);
      if (!job) return sent(404, { message: 'Not Found' });
      return sent(200, workflowJob(job), '/repos/{owner}/{repo}/actions/jobs/{job_id}');
    }
    if (method === 'GET' && path === '/installation/repositories') {
      const names = [...new Set([...this.jobs.values()].map(({ repository }) => repository))].sort();
      const page = Number(url.searchParams.get('page') ?? 1);
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const slice = names.slice((page - 1) * perPage, page * perPage);
      return sent(
        200,
        { total_count: names.length, repositories: slice.map(repositoryFromExample) },
        '/installation/repositories',
      );
    }
    const runsRoute = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs$/.exec(path);
    if (method === 'GET' && runsRoute?.[1]) {
      const runs = workflowRuns(runsRoute[1], [...this.jobs.values()]).filter(
        (run) => run.status === url.searchParams.get('status'),
      );
      return sent(
        200,
        { total_count: runs.length, workflow_runs: runs.slice(0, 100).map(workflowRunFromExample) },
        '/repos/{owner}/{repo}/actions/runs',
      );
    }
    const runJobsRoute = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)\/jobs$/.exec(path);
    if (method === 'GET' && runJobsRoute?.[1] && runJobsRoute[2]) {
      const [repository, runId] = [runJobsRoute[1], Number(runJobsRoute[2])];
      const ofRun =
        url.searchParams.get('filter') === 'all'
          ? [...this.jobs.values()].filter((job) => job.repository === repository && job.runId === runId)
          : this.latestJobs(repository, runId);
      return sent(
        200,
        { total_count: ofRun.length, jobs: ofRun.slice(0, 100).map(workflowJob) },
        '/repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
      );
    }

    const runRoute = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)(\/rerun-failed-jobs)?$/.exec(path);
    const rerunJobRoute = /^\/repos\/([^/]+\/[^/]+)\/actions\/jobs\/(\d+)\/rerun$/.exec(path);
    if (runRoute?.[1] && runRoute[2]) {
      const [repository, runId] = [runRoute[1], Number(runRoute[2])];
      const run = workflowRuns(repository, [...this.jobs.values()]).find(({ id }) => id === runId);
      if (!run) return sent(404, { message: 'Not Found' });
      if (method === 'GET' && !runRoute[3])
        return sent(200, workflowRunFromExample(run), '/repos/{owner}/{repo}/actions/runs/{run_id}');
      if (method === 'POST' && runRoute[3]) {
        const failed = this.latestJobs(repository, runId).filter((job) => job.conclusion !== 'success');
        // GitHub's description lists no refusal for this route; it refuses as for a job's re-run.
        if (run.status !== 'completed') return sent(403, { message: RUN_IN_PROGRESS });
        this.rerun(repository, failed);
        return sent(201, {}, '/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs');
      }
    }
    if (method === 'POST' && rerunJobRoute?.[1] && rerunJobRoute[2]) {
      const job = this.jobs.get(`${rerunJobRoute[1]}#${rerunJobRoute[2]}`);
      if (!job) return sent(404, { message: 'Not Found' });
      const run = workflowRuns(job.repository, [...this.jobs.values()]).find(({ id }) => id === job.runId);
      const template = '/repos/{owner}/{repo}/actions/jobs/{job_id}/rerun';
      if (run?.status !== 'completed') return sent(403, forbidden(RUN_IN_PROGRESS), template);
      this.rerun(job.repository, [job]);
      return sent(201, {}, template);
    }
    return false;
  }

  /** The jobs of a run's latest attempt, as GitHub lists them since 2025: not those left from earlier ones. */
  private latestJobs(repository: string, runId: number): StandInJob[] {
    const ofRun = [...this.jobs.values()].filter(
      (job) => job.repository === repository && job.runId === runId,
    );
    const attempt = Math.max(...ofRun.map((job) => job.runAttempt));
    return ofRun.filter((job) => job.runAttempt === attempt);
  }

  private rerun(repository: string, rerunJobs: StandInJob[]): void {
    const ids =
      this.hooks.onRerun?.(
        repository,
        rerunJobs.map(({ id }) => id),
      ) ?? [];
    for (const [index, job] of rerunJobs.entries()) {
      const id = ids[index] ?? this.nextRerunJobId++;
      this.jobs.set(`${repository}#${id}`, {
        ...job,
        id,
        runAttempt: job.runAttempt + 1,
        status: 'queued',
        conclusion: null,
        runnerName: null,
        runnerId: null,
        createdAt: new Date().toISOString(),
      });
    }
  }
}

interface StandInJob {
  repository: string;
  id: number;
  runId: number;
  runAttempt: number;
  /** Kept by the job's re-runs, which get new IDs. */
  name: string;
  status: GitHubJobStatus;
  /** Set once completed: `success` unless a test says otherwise. */
  conclusion: string | null;
  runnerName: string | null;
  runnerId: number | null;
  labels: string[];
  createdAt: string;
}

/** A workflow job as `GET /repos/{owner}/{repo}/actions/jobs/{job_id}` answers it. */
function workflowJob(job: StandInJob) {
  const { repository, id, runId, runAttempt, name, status, runnerName, runnerId, labels, createdAt } = job;
  const finished = status === 'completed';
  return {
    id,
    run_id: runId,
    run_url: `https://api.github.com/repos/${repository}/actions/runs/${runId}`,
    run_attempt: runAttempt,
    node_id: `CR_${id}`,
    head_sha: 'f'.repeat(40),
    url: `https://api.github.com/repos/${repository}/actions/jobs/${id}`,
    html_url: `https://github.com/${repository}/actions/runs/${runId}/job/${id}`,
    status,
    conclusion: finished ? (job.conclusion ?? 'success') : null,
    created_at: createdAt,
    started_at: createdAt,
    completed_at: finished ? createdAt : null,
    name,
    steps: [],
    check_run_url: `https://api.github.com/repos/${repository}/check-runs/${id}`,
    labels,
    runner_id: runnerId,
    runner_name: runnerName,
    runner_group_id: null,
    runner_group_name: null,
    workflow_name: 'CI',
    head_branch: 'main',
  };
}

/**
 * The runs of a repository's jobs, as their latest attempt stands (see runStatusOfJobs), concluded
 * `failure` once completed if any job failed, else `success`.
 */
function workflowRuns(repository: string, all: readonly StandInJob[]) {
  const runs = Map.groupBy(
    all.filter((job) => job.repository === repository),
    (job) => job.runId,
  );
  return [...runs].map(([id, ofRun]) => {
    const attempt = Math.max(...ofRun.map((job) => job.runAttempt));
    const jobs = ofRun.filter((job) => job.runAttempt === attempt);
    const status = runStatusOfJobs(jobs.map((job) => job.status));
    const failed = jobs.some((job) => (job.conclusion ?? 'success') !== 'success');
    const conclusion = status === 'completed' ? (failed ? 'failure' : 'success') : null;
    return { id, repository, status, attempt, conclusion };
  });
}

const RUN_IN_PROGRESS = 'This workflow run is not complete yet, so it cannot be re-run';

/** A 403 as GitHub's `forbidden` response describes it. */
function forbidden(message: string) {
  return { message, documentation_url: 'https://docs.github.com/rest/actions/workflow-runs' };
}

/** GitHub's own examples of its answers, from its OpenAPI description. */
const openApiExamples = (
  JSON.parse(
    readFileSync(
      createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json'),
      'utf8',
    ),
  ) as { components: { examples: Record<string, { value: Record<string, unknown[]> }> } }
).components.examples;

/** A repository as `GET /installation/repositories` lists it: GitHub's example, renamed. */
function repositoryFromExample(fullName: string) {
  const [login = '', name = ''] = fullName.split('/');
  const example = openApiExamples['repository-paginated-2']?.value.repositories?.[0] as {
    owner: Record<string, unknown>;
  };
  return { ...example, name, full_name: fullName, owner: { ...example.owner, login } };
}

/** A workflow run as GitHub lists or reads it: GitHub's example, renumbered. */
function workflowRunFromExample(run: {
  id: number;
  status: string;
  attempt?: number;
  conclusion?: string | null;
}) {
  const example = openApiExamples['workflow-run-paginated']?.value.workflow_runs?.[0] as Record<
    string,
    unknown
  >;
  return {
    ...example,
    id: run.id,
    status: run.status,
    run_attempt: run.attempt ?? 1,
    conclusion: run.conclusion ?? null,
  };
}
