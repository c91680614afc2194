import type { GitHubStandIn } from '../helpers/gitHubStandIn.ts';
import type { SimulatedJob } from './simulatedJob.ts';
import { REPOSITORY } from './webhookDeliveries.ts';

/**
 * The simulator's one seam with the GitHub stand-in's jobs and re-runs, kept here so that it can be
 * fitted to the stand-in as that grows (see the contract below) without touching the simulation.
 *
 * The stand-in answers `POST /repos/{o}/{r}/actions/jobs/{id}/rerun` and
 * `POST /repos/{o}/{r}/actions/runs/{id}/rerun-failed-jobs`, and calls
 * `hooks.onRerun(repository, rerunJobIds)` with the jobs it re-runs, for the simulator to return the
 * IDs of the new jobs it queues for them (same run, `run_attempt + 1`).
 */
export type RerunHook = (repository: string, rerunJobIds: number[]) => number[];

/**
 * The product asks GitHub to re-run jobs whose runner the infrastructure killed: a killed job is
 * lost unless its re-run ran.
 */
export const RERUNS_EXPECTED = true;

/** Has the stand-in call `hook` when it is asked to re-run jobs. */
export function onRerun(gitHub: GitHubStandIn, hook: RerunHook): void {
  gitHub.hooks.onRerun = hook;
}

/** Tells the stand-in's jobs API what GitHub knows of the job now. */
export function publishJob(gitHub: GitHubStandIn, job: SimulatedJob): void {
  const details = {
    runId: job.runId,
    labels: job.labels,
    createdAt: job.createdAt,
    runAttempt: job.runAttempt,
    // GitHub names the runner that took the job by its ID as well as its name.
    runnerId: job.ranOn ? (job.runnerId ?? null) : null,
    conclusion: job.status === 'completed' ? (job.conclusion ?? 'success') : null,
  };
  gitHub.setJob(REPOSITORY.fullName, job.id, job.status, job.ranOn ?? null, details);
}

/** The GitHub routes re-runs go through, for the random faults. */
export const RERUN_ROUTES = /actions\/(jobs\/\d+\/rerun|runs\/\d+(\/rerun-failed-jobs)?)$/;
