import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { sizedRunnerClass } from '../config/jobSizing.ts';
import { runnerClassForLabels } from '../config/runnerClassForLabels.ts';
import { type JobMessage, newJobMessage } from '../jobMessage.ts';
import { jobOfPod } from '../pod/jobOfPod.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { runnerPodName } from '../pod/runnerNames.ts';
import { hasFinished } from '../pod/runnerPodPhase.ts';
import type {
  AppInstallation,
  JobQueue,
  Log,
  RunnerPod,
  RunnerRegistry,
  RunStatus,
  WorkflowJob,
} from '../ports.ts';

/** Pages of 100 repositories read per installation and sweep. */
const MAX_REPOSITORY_PAGES = 3;
/** A run with a job still waiting for a runner is queued or, once another job started, in progress. */
const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'in_progress'];

/** Where a job runs: its repository, and the App installation that reaches it. */
export interface JobSource {
  repository: string;
  installation: AppInstallation;
}

/**
 * The queued jobs of one repository that have waited `strandedJobMinutes` with no runner pod made
 * for them, as `queued` messages for the scaler, oldest first. Pure. A job counts as served while a
 * pod made for it can still take it (not finished, not being deleted, not running another job), and
 * while a pod named after it exists at all: the scaler could not make its pod until that one goes.
 * A job GitHub holds for an approval (`waiting`) is not stranded: it needs no runner until it is
 * queued.
 */
export function findStrandedJobs(
  jobs: readonly WorkflowJob[],
  source: JobSource,
  pods: readonly RunnerPod[],
  config: Pick<AutoscalerConfig, 'runnerClasses' | 'reconciler'>,
  now: Date,
): JobMessage[] {
  const podNames = new Set(pods.map(({ name }) => name));
  const served = new Set(
    pods.filter(canStillTakeAJob).flatMap((pod) => {
      const job = jobOfPod(pod);
      return job ? [job.jobId] : [];
    }),
  );
  const waitedSince = now.getTime() - config.reconciler.strandedJobMinutes * 60_000;
  return jobs
    .filter((job) => job.status === 'queued' && Date.parse(job.createdAt) <= waitedSince)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .flatMap((job) => {
      const runnerClass = runnerClassForLabels(job.labels, config.runnerClasses);
      if (!runnerClass || served.has(job.id) || podNames.has(runnerPodName(runnerClass.name, job.id)))
        return [];
      // A job asking for a size its class does not allow was ignored by the webhook for that reason.
      if ('refused' in sizedRunnerClass(runnerClass, job.labels)) return [];
      return [strandedJobMessage(job, source, runnerClass.name)];
    });
}

/**
 * Looks for stranded jobs in the repositories the App may reach (or `allowedRepositories`), and
 * queues each for the scaler while its class has room. Runs on the minutes that are a multiple of
 * `strandedJobSweepEveryMinutes`, within the GitHub budget left, starting each sweep at another
 * repository so that all get their turn however small the budget. Returns how many it queued.
 */
export async function queueStrandedJobs(
  context: {
    config: AutoscalerConfig;
    registry: RunnerRegistry;
    queue: JobQueue;
    log: Log;
    now: () => Date;
  },
  pods: readonly RunnerPod[],
  budget: { left: number },
): Promise<number> {
  const { config, registry, queue, log } = context;
  const now = context.now();
  const minute = Math.floor(now.getTime() / 60_000);
  const every = config.reconciler.strandedJobSweepEveryMinutes;
  if (minute % every !== 0 || budget.left < 1) return 0;
  budget.left -= 1;
  const sources = await jobSources(await registry.installations(), context, budget);
  const room = roomByClass(pods, config);
  // Each repository costs a call per run status, and at least one run's jobs when it has any.
  const perSweep = Math.ceil(budget.left / (ACTIVE_RUN_STATUSES.length + 1));
  const first = sources.length > 0 ? ((minute / every) * perSweep) % sources.length : 0;
  let queued = 0;
  for (const source of [...sources.slice(first), ...sources.slice(0, first)]) {
    if (budget.left < ACTIVE_RUN_STATUSES.length) break;
    budget.left -= ACTIVE_RUN_STATUSES.length;
    const { id } = source.installation;
    const runIds: number[] = [];
    for (const status of ACTIVE_RUN_STATUSES)
      runIds.push(...(await registry.listRuns(id, source.repository, status)));
    const jobs: WorkflowJob[] = [];
    for (const runId of runIds) {
      if (budget.left < 1) break;
      budget.left -= 1;
      jobs.push(...(await registry.listRunJobs(id, source.repository, runId)));
    }
    for (const message of findStrandedJobs(jobs, source, pods, config, now)) {
      const left = room.get(message.runnerClass) ?? 0;
      if (left < 1) continue;
      room.set(message.runnerClass, left - 1);
      await queue.send(message);
      queued += 1;
      log.warn('queued a stranded job: GitHub queues it, and no runner pod was made for it', {
        jobId: message.jobId,
        repository: message.repository,
        runnerClass: message.runnerClass,
        queuedAt: message.createdAt,
      });
    }
  }
  return queued;
}

function strandedJobMessage(job: WorkflowJob, source: JobSource, runnerClass: string): JobMessage {
  const { installation, repository } = source;
  return newJobMessage({
    deliveryId: `stranded-job-sweep-${job.id}`,
    action: 'queued',
    jobId: job.id,
    runId: job.runId,
    runAttempt: job.runAttempt,
    repository,
    org: installation.accountType === 'Organization' ? installation.account : null,
    installationId: installation.id,
    labels: job.labels,
    createdAt: job.createdAt,
    runnerClass,
  });
}

/** The repositories to look in, each with its installation, as the config allows. */
async function jobSources(
  installations: readonly AppInstallation[],
  context: { config: AutoscalerConfig; registry: RunnerRegistry },
  budget: { left: number },
): Promise<JobSource[]> {
  const { allowedOrgs, allowedRepositories } = context.config.github;
  const sources: JobSource[] = [];
  for (const installation of installations) {
    const account = installation.account.toLowerCase();
    if (allowedOrgs.length > 0 && !allowedOrgs.some((org) => org.toLowerCase() === account)) continue;
    let repositories = allowedRepositories.filter((name) => name.toLowerCase().startsWith(`${account}/`));
    if (allowedRepositories.length === 0) {
      if (budget.left < MAX_REPOSITORY_PAGES) break;
      budget.left -= MAX_REPOSITORY_PAGES;
      repositories = await context.registry.listRepositories(installation.id, MAX_REPOSITORY_PAGES);
    }
    sources.push(...repositories.map((repository) => ({ repository, installation })));
  }
  return sources;
}

/** Places left in each class: `maxRunners` less the pods that still count against it. */
function roomByClass(pods: readonly RunnerPod[], config: Pick<AutoscalerConfig, 'runnerClasses'>) {
  return new Map(
    config.runnerClasses.map((runnerClass) => {
      const live = pods.filter(
        (pod) => pod.runnerClass === runnerClass.name && !pod.deleting && !hasFinished(pod),
      ).length;
      return [runnerClass.name, runnerClass.maxRunners - live];
    }),
  );
}

function canStillTakeAJob(pod: RunnerPod): boolean {
  return !pod.deleting && !hasFinished(pod) && !(ANNOTATION.runningJobId in pod.annotations);
}
