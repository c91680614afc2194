import type {
  RunnerRef,
  RunnerRegistration,
  RunnerRegistrationRequest,
  RunnerRegistry,
  RunnerState,
} from '../../lib/ports.ts';

/** A RunnerRegistry whose runners' states and failures a test sets. */
export class ScriptedRegistry implements RunnerRegistry {
  readonly registered: RunnerRegistrationRequest[] = [];
  readonly deregistered: RunnerRef[] = [];
  readonly states = new Map<string, RunnerState>();
  failNextRegistration: Error | undefined;
  private nextId = 500;

  async register(request: RunnerRegistrationRequest): Promise<RunnerRegistration> {
    const failure = this.failNextRegistration;
    this.failNextRegistration = undefined;
    if (failure) throw failure;
    this.registered.push(request);
    this.states.set(request.name, 'idle');
    return { kind: 'jit', runnerId: this.nextId++, encodedJitConfig: `jit-secret-for-${request.name}` };
  }

  async runnerState(runner: RunnerRef): Promise<RunnerState> {
    return this.states.get(runner.name) ?? 'absent';
  }

  async deregister(runner: RunnerRef): Promise<void> {
    this.deregistered.push(runner);
    this.states.delete(runner.name);
  }
}
