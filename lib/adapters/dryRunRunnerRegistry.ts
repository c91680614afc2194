import type {
  AppInstallation,
  JobState,
  RegisteredRunner,
  RunnerRegistration,
  RunnerRegistrationRequest,
  RunnerRegistry,
} from '../ports.ts';

/**
 * A RunnerRegistry that talks to nobody, for `--dry-run`: every registration succeeds, every runner
 * is idle, and every job still queued.
 */
export class DryRunRunnerRegistry implements RunnerRegistry {
  private nextRunnerId = 1;

  async register(request: RunnerRegistrationRequest): Promise<RunnerRegistration> {
    return { kind: 'jit', runnerId: this.nextRunnerId++, encodedJitConfig: `dry-run:${request.name}` };
  }

  async deregister(): Promise<boolean> {
    return true;
  }

  async readJob(): Promise<JobState> {
    return { status: 'queued', runnerName: null };
  }

  async installations(): Promise<AppInstallation[]> {
    return [];
  }

  async listRunners(): Promise<RegisteredRunner[]> {
    return [];
  }
}
