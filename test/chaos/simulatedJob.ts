/** How the infrastructure ended a runner mid-job, as the pod's status tells it. */
export type KillReason =
  | 'DeletionByTaintManager'
  | 'EvictionByEvictionAPI'
  | 'TerminationByKubelet'
  | 'Evicted'
  /** Evicted by the simulated consolidation while it ran a job: what protection must prevent. */
  | 'consolidated-while-busy';

/** A workflow job as the simulated GitHub keeps it. */
export interface SimulatedJob {
  id: number;
  /** The runner class that serves its labels. */
  runnerClass: string;
  labels: string[];
  runId: number;
  runAttempt: number;
  cancelled: boolean;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  status: 'queued' | 'in_progress' | 'completed';
  /** GitHub gives the job to no runner before this (epoch ms): it waits, as for a concurrency group. */
  heldUntil?: number;
  conclusion?: 'success' | 'failure' | 'cancelled';
  /** The runner (pod) GitHub gave the job to, that pod's UID, and the runner's ID on GitHub. */
  ranOn?: string;
  ranOnUid?: string;
  runnerId?: number | null;
  /** The pod it ran on was removed while it ran. */
  deletedWhileBusy?: boolean;
  /** The infrastructure killed its runner, and GitHub failed the job. */
  killed?: KillReason;
  /** The job GitHub made when asked to re-run this one, and the job this one re-runs. */
  rerunAs?: number;
  rerunOf?: number;
  /** What GitHub did about the job and what it delivered, stamped like the pipeline's log. */
  trail: string[];
}

/** Stamps lines of a job's trail with the seconds since the run started. */
export type Clock = () => string;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The runner fields of a job's `in_progress` and `completed` webhooks. */
export function runnerFields(job: SimulatedJob): Record<string, unknown> {
  return { runner_name: job.ranOn ?? null, runner_id: job.runnerId ?? null };
}
