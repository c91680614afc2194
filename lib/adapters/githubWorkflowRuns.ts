import { RequestError } from '@octokit/request-error';
import type {
  JobRef,
  JobStatus,
  RerunResult,
  RunJobAttempts,
  RunRef,
  RunState,
  RunStatus,
  WorkflowJob,
} from '../ports.ts';
import { type GitHubClient, gitHubError } from './gitHubClient.ts';

/** GitHub's workflow-run routes, for one installation's client: reading runs and re-running jobs. */

export async function listRuns(
  client: GitHubClient,
  repository: string,
  status: RunStatus,
): Promise<number[]> {
  const response = await client
    .request('GET /repos/{owner}/{repo}/actions/runs', {
      ...ownerAndRepo(repository),
      status,
      per_page: 100,
      exclude_pull_requests: true,
    })
    .catch((error: unknown) => {
      throw gitHubError(error, `list the ${status} runs of ${repository}`);
    });
  const { workflow_runs } = response.data as { workflow_runs: { id: number }[] };
  return workflow_runs.map((run) => run.id);
}

export async function listRunJobs(
  client: GitHubClient,
  repository: string,
  runId: number,
  attempts: RunJobAttempts = 'latest',
): Promise<WorkflowJob[]> {
  const response = await client
    .request('GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs', {
      ...ownerAndRepo(repository),
      run_id: runId,
      filter: attempts,
      per_page: 100,
    })
    .catch((error: unknown) => {
      throw gitHubError(error, `list the jobs of run ${runId} in ${repository}`);
    });
  const { jobs } = response.data as {
    jobs: {
      id: number;
      run_id: number;
      run_attempt?: number;
      name: string;
      status: string;
      conclusion: string | null;
      labels: string[];
      created_at: string;
    }[];
  };
  return jobs.map((job) => ({
    id: job.id,
    runId: job.run_id,
    runAttempt: job.run_attempt ?? 1,
    name: job.name,
    status: jobStatusOf(job.status),
    conclusion: job.conclusion,
    labels: job.labels,
    createdAt: job.created_at,
  }));
}

export async function readRun(client: GitHubClient, run: RunRef): Promise<RunState> {
  try {
    const response = await client.request('GET /repos/{owner}/{repo}/actions/runs/{run_id}', {
      ...ownerAndRepo(run.repository),
      run_id: run.runId,
      exclude_pull_requests: true,
    });
    const { status, run_attempt, conclusion } = response.data as {
      status: string | null;
      run_attempt?: number;
      conclusion: string | null;
    };
    return { status: jobStatusOf(status ?? ''), attempt: run_attempt ?? 1, conclusion };
  } catch (error) {
    if (error instanceof RequestError && error.status === 404)
      return { status: 'absent', attempt: 0, conclusion: null };
    throw gitHubError(error, `read run ${run.runId} of ${run.repository}`);
  }
}

export function rerunJob(client: GitHubClient, job: JobRef): Promise<RerunResult> {
  return refusedOr(
    client.request('POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun', {
      ...ownerAndRepo(job.repository),
      job_id: job.jobId,
    }),
    `re-run job ${job.jobId} of ${job.repository}`,
  );
}

export function rerunFailedJobs(client: GitHubClient, run: RunRef): Promise<RerunResult> {
  return refusedOr(
    client.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs', {
      ...ownerAndRepo(run.repository),
      run_id: run.runId,
    }),
    `re-run the failed jobs of run ${run.runId} of ${run.repository}`,
  );
}

/**
 * A re-run GitHub refuses for good (403: the App lacks `actions: write`, or the run cannot be re-run)
 * is an answer, not an error; rate limits, server errors and timeouts stay errors, to be retried.
 */
async function refusedOr(request: Promise<unknown>, action: string): Promise<RerunResult> {
  try {
    await request;
    return { rerun: true };
  } catch (error) {
    const failure = gitHubError(error, action);
    if (failure.retryable || !(error instanceof RequestError)) throw failure;
    return { refused: failure.message };
  }
}

function ownerAndRepo(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

/** GitHub's job and run statuses as ours (see JobStatus): every other state before a runner takes the job counts as queued. */
export function jobStatusOf(status: string): Exclude<JobStatus, 'absent'> {
  return status === 'in_progress' || status === 'completed' || status === 'waiting' ? status : 'queued';
}
