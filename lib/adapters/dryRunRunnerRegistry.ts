import type {
  AppInstallation,
  JobState,
  RegisteredRunner,
  RerunResult,
  RunnerRegistration,
  RunnerRegistrationRequest,
  RunnerRegistry,
  RunState,
  WorkflowJob,
} from '../ports.ts';

/**
 * A RunnerRegistry that talks to nobody, for `--dry-run`: every registration succeeds, every runner
 * is idle, every job still queued and every runner group open to it, there are no installations, repositories or runs, and nothing is re-run.
 */
export class DryRunRunnerRegistry implements RunnerRegistry {
  private nextRunnerId = 1;

  async register(request: RunnerRegistrationRequest): Promise<RunnerRegistration> {
    return { kind: 'jit', runnerId: this.nextRunnerId++, encodedJitConfig: `dry-run:${request.name}` };
  }

  async deregister(): Promise<boolean> {
    return true;
  }

  async isBusy(): Promise<boolean> {
    return false;
  }

  async readJob(): Promise<JobState> {
    return { status: 'queued', runnerName: null };
  }

  async runnerGroupOpenTo(): Promise<boolean> {
    return true;
  }

  async installations(): Promise<AppInstallation[]> {
    return [];
  }

  async listRunners(): Promise<RegisteredRunner[]> {
    return [];
  }

  async listRepositories(): Promise<string[]> {
    return [];
  }

  async listRuns(): Promise<number[]> {
    return [];
  }

  async listRunJobs(): Promise<WorkflowJob[]> {
    return [];
  }

  async readRun(): Promise<RunState> {
    return { status: 'absent', attempt: 0, conclusion: null };
  }

  async rerunJob(): Promise<RerunResult> {
    return { refused: 'dry run' };
  }

  async rerunFailedJobs(): Promise<RerunResult> {
    return { refused: 'dry run' };
  }
}
