import type { GitHubSimulator, SimulatedJob } from './gitHubSimulator.ts';
import { RERUNS_EXPECTED } from './standInJobs.ts';

export interface ChaosSummary {
  jobs: number;
  /** Jobs that ran on a runner, a killed job counting once its re-run did. */
  served: number;
  leaked: number;
  lost: number;
  busyDeleted: number;
  /** Runners evicted by consolidation while they ran a job. */
  disruptedBusy: number;
  dlq: number;
  seconds: number;
  /** Runners the infrastructure killed mid-job, and the jobs GitHub was asked to re-run. */
  killed: number;
  reruns: number;
  /** Runner pods consolidation evicted. */
  evicted: number;
  details: Record<string, unknown>;
}

export type JobOutcome = 'served' | 'cancelled' | 'killed' | 'lost';

/**
 * Whether the product asks GitHub to re-run killed jobs: it is expected to, or some job was re-run
 * during this run. Then a killed job counts as served only when its re-run ran.
 */
export function rerunsOn(simulator: GitHubSimulator): boolean {
  return RERUNS_EXPECTED || simulator.counts.reruns > 0;
}

/**
 * What became of a job: it ran on a runner, was cancelled, or was killed mid-job; a killed job's
 * outcome is its re-run's, and without one it is lost if re-runs are on, else killed.
 */
export function jobOutcome(job: SimulatedJob, simulator: GitHubSimulator): JobOutcome {
  if (job.cancelled) return 'cancelled';
  if (job.killed) {
    const rerun = simulator.jobs.find(({ id }) => id === job.rerunAs);
    if (rerun) return jobOutcome(rerun, simulator);
    return rerunsOn(simulator) && rerunDue(job) ? 'lost' : 'killed';
  }
  return job.ranOn ? 'served' : 'lost';
}

/** Killed jobs still waiting for a re-run, which the run waits for when re-runs are on. */
export function awaitingRerun(simulator: GitHubSimulator): number {
  if (!rerunsOn(simulator)) return 0;
  return simulator.jobs.filter(
    (job) => job.killed && rerunDue(job) && job.rerunAs === undefined && !job.cancelled,
  ).length;
}

/** The product's `reconciler.maxInfrastructureReruns`, its default: a first attempt is re-run once. */
const MAX_INFRASTRUCTURE_RERUNS = 1;

/** Whether the product is to re-run this killed job: a re-run killed again is not, by design. */
function rerunDue(job: SimulatedJob): boolean {
  return job.runAttempt <= MAX_INFRASTRUCTURE_RERUNS;
}

/** The one line the chaos run ends with. */
export function summaryLine(summary: ChaosSummary): string {
  const { jobs, served, leaked, lost, busyDeleted, dlq, seconds } = summary;
  const { disruptedBusy, killed, reruns, evicted } = summary;
  return (
    `chaos: jobs=${jobs} served=${served} leaked=${leaked} lost=${lost} busyDeleted=${busyDeleted} dlq=${dlq} seconds=${seconds}` +
    ` disruptedBusy=${disruptedBusy} killed=${killed} reruns=${reruns} evicted=${evicted}`
  );
}

export function invariantsHold(summary: ChaosSummary): boolean {
  return (
    summary.leaked === 0 &&
    summary.lost === 0 &&
    summary.busyDeleted === 0 &&
    summary.disruptedBusy === 0 &&
    summary.dlq === 0
  );
}
