import type {
  AppInstallation,
  JobRef,
  JobState,
  JobStatus,
  RegisteredRunner,
  RerunResult,
  RunnerRef,
  RunnerRegistration,
  RunnerRegistrationRequest,
  RunnerRegistry,
  RunRef,
  RunState,
  RunStatus,
  WorkflowJob,
} from '../../lib/ports.ts';
import { runStatusOfJobs } from './runStatusOfJobs.ts';

type RunnerState = 'busy' | 'idle';

/** A RunnerRegistry whose runners' states and failures a test sets; GitHub refuses to deregister a busy one. */
export class ScriptedRegistry implements RunnerRegistry {
  readonly registered: RunnerRegistrationRequest[] = [];
  readonly deregistered: RunnerRef[] = [];
  readonly states = new Map<string, RunnerState>();
  /** GitHub's status of each job, by job ID (`waiting` while an approval holds it); a job not set here is queued. */
  readonly jobs = new Map<number, JobStatus>();
  /** The runner GitHub gave each job to, by job ID. */
  readonly ranOn = new Map<number, string>();
  failNextRegistration: Error | undefined;
  private nextId = 500;
  private readonly heldRegistrations = new Map<string, Promise<void>>();

  /** GitHub answers the next registration of this runner name, as in a brownout, only once the returned function is called. */
  holdRegistration(name: string): () => void {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.heldRegistrations.set(name, promise);
    return resolve;
  }

  async register(request: RunnerRegistrationRequest): Promise<RunnerRegistration> {
    const held = this.heldRegistrations.get(request.name);
    this.heldRegistrations.delete(request.name);
    if (held) await held;
    const failure = this.failNextRegistration;
    this.failNextRegistration = undefined;
    if (failure) throw failure;
    this.registered.push(request);
    this.states.set(request.name, 'idle');
    const runnerId = this.nextId++;
    this.runnerIds.set(request.name, runnerId);
    return { kind: 'jit', runnerId, encodedJitConfig: `jit-secret-for-${request.name}` };
  }

  async readJob(job: JobRef): Promise<JobState> {
    const runnerName = this.ranOn.get(job.jobId) ?? null;
    const runnerId = runnerName ? (this.runnerIds.get(runnerName) ?? null) : null;
    return { status: this.jobs.get(job.jobId) ?? 'queued', runnerName, runnerId };
  }

  /** The repositories (`owner/name`) the runner group is closed to; it is open to every other. */
  readonly closedToRepositories = new Set<string>();

  async runnerGroupOpenTo(_installationId: number, _org: string, repository: string): Promise<boolean> {
    return !this.closedToRepositories.has(repository);
  }

  /** The ID of the latest runner registered under each name, as GitHub names a job's runner by. */
  readonly runnerIds = new Map<string, number>();

  /** The installations the App is on. */
  readonly installed: AppInstallation[] = [{ id: 42, account: 'acme', accountType: 'Organization' }];

  async installations(): Promise<AppInstallation[]> {
    return this.installed;
  }

  /** Every runner it knows, offline unless a test says otherwise; a `busy` runner is online. */
  readonly online = new Set<string>();

  async listRunners(): Promise<RegisteredRunner[]> {
    return [...this.states].map(([name, state], index) => ({
      id: index + 1,
      name,
      status: state === 'busy' || this.online.has(name) ? 'online' : 'offline',
      busy: state === 'busy',
    }));
  }

  async isBusy(runner: RunnerRef): Promise<boolean> {
    return this.states.get(runner.name) === 'busy';
  }

  async deregister(runner: RunnerRef): Promise<boolean> {
    if (this.states.get(runner.name) === 'busy') return false;
    this.deregistered.push(runner);
    this.states.delete(runner.name);
    return true;
  }

  /** Workflow jobs by repository (`owner/name`), as their runs' job lists give them. */
  readonly workflowJobs = new Map<string, WorkflowJob[]>();

  async listRepositories(): Promise<string[]> {
    return [...this.workflowJobs.keys()];
  }

  /** The runs in that status, as their jobs make it (see runStatusOfJobs). */
  async listRuns(_installationId: number, repository: string, status: RunStatus): Promise<number[]> {
    const runs = Map.groupBy(this.workflowJobs.get(repository) ?? [], ({ runId }) => runId);
    return [...runs]
      .filter(([, jobs]) => runStatusOfJobs(jobs.map((job) => job.status)) === status)
      .map(([runId]) => runId);
  }

  async listRunJobs(_installationId: number, repository: string, runId: number): Promise<WorkflowJob[]> {
    return (this.workflowJobs.get(repository) ?? []).filter((job) => job.runId === runId);
  }

  /** Workflow runs by ID; a run not set here is absent. */
  readonly runs = new Map<number, RunState>();
  /** What GitHub was asked to re-run: a job (`job:ID`) or a run's failed jobs (`run:ID`). */
  readonly reruns: string[] = [];
  /** A re-run refused with this reason, as GitHub does without `actions: write`. */
  refuseReruns: string | undefined;

  async readRun(run: RunRef): Promise<RunState> {
    return this.runs.get(run.runId) ?? { status: 'absent', attempt: 0, conclusion: null };
  }

  async rerunJob(job: JobRef): Promise<RerunResult> {
    return this.rerun(`job:${job.jobId}`);
  }

  async rerunFailedJobs(run: RunRef): Promise<RerunResult> {
    return this.rerun(`run:${run.runId}`);
  }

  private rerun(what: string): RerunResult {
    if (this.refuseReruns) return { refused: this.refuseReruns };
    this.reruns.push(what);
    return { rerun: true };
  }
}
