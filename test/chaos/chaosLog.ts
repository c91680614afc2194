import type { Log } from '../../lib/ports.ts';

/** What happened to a pod, by pod name: who deleted it and why, and who opened it to disruption. */
const POD_EVENTS = new Set([
  'runner pod deleted',
  'opened an idle runner to disruption',
  'kept a busy runner',
]);

/**
 * The pipeline's log during a chaos run, kept for the report when an invariant fails: each job's
 * lines and each pod's events, stamped with the seconds since the run started, a count of each
 * warning, and every error.
 */
export class ChaosLog implements Log {
  readonly errors: string[] = [];
  readonly warnings = new Map<string, number>();
  private readonly byJob = new Map<number, string[]>();
  private readonly podEvents = new Map<string, string[]>();
  private readonly started = performance.now();

  debug(): void {}

  info(message: string, attributes: Record<string, unknown> = {}): void {
    const { jobId, podName, reason, deliveryId: _delivery, runnerClass: _class, ...rest } = attributes;
    if (typeof podName === 'string' && POD_EVENTS.has(message)) {
      const by = `job ${jobId ?? '(reconciler)'}`;
      append(this.podEvents, podName, `${this.at()} ${message} by ${by}: ${reason ?? JSON.stringify(rest)}`);
    }
    if (typeof jobId === 'number')
      append(this.byJob, jobId, `${this.at()} ${message} ${JSON.stringify({ podName, ...rest })}`);
  }

  warn(message: string): void {
    this.warnings.set(message, (this.warnings.get(message) ?? 0) + 1);
  }

  error(message: string, attributes: Record<string, unknown> = {}): void {
    this.errors.push(`${message} ${JSON.stringify(attributes)}`);
  }

  /** Seconds since the run started, as the simulator's trail stamps them too. */
  at(): string {
    return `${((performance.now() - this.started) / 1000).toFixed(1)}s`;
  }

  /** What the pipeline did about a job, and to the pod made for it. */
  story(jobId: number, podName: string) {
    return { handled: this.byJob.get(jobId) ?? [], podEvents: this.podEvents.get(podName) ?? [] };
  }
}

function append<Key>(map: Map<Key, string[]>, key: Key, line: string): void {
  map.set(key, [...(map.get(key) ?? []), line]);
}
