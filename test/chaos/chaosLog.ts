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
    this.note(message, attributes, POD_EVENTS.has(message));
  }

  /** A warning is counted, and kept in the story of the job and the pod it names. */
  warn(message: string, attributes: Record<string, unknown> = {}): void {
    this.warnings.set(message, (this.warnings.get(message) ?? 0) + 1);
    this.note(`WARN ${message}`, attributes, true);
  }

  private note(message: string, attributes: Record<string, unknown>, aboutPod: boolean): void {
    const { jobId, podName, reason, deliveryId: _delivery, runnerClass: _class, ...rest } = attributes;
    if (typeof podName === 'string' && aboutPod) {
      const by = `job ${jobId ?? '(reconciler)'}`;
      append(this.podEvents, podName, `${this.at()} ${message} by ${by}: ${reason ?? JSON.stringify(rest)}`);
    }
    if (typeof jobId === 'number')
      append(this.byJob, jobId, `${this.at()} ${message} ${JSON.stringify({ podName, ...rest })}`);
  }

  error(message: string, attributes: Record<string, unknown> = {}): void {
    this.errors.push(`${message} ${JSON.stringify(attributes)}`);
  }

  /** Seconds since the run started, as the simulator's trail stamps them too. */
  at(): string {
    return `${((performance.now() - this.started) / 1000).toFixed(1)}s`;
  }

  /** What the pipeline did about a job, and to the pods named (the one made for it, the one it ran on). */
  story(jobId: number, ...podNames: (string | undefined)[]) {
    const pods = [...new Set(podNames.filter((name) => name !== undefined))];
    return {
      handled: this.byJob.get(jobId) ?? [],
      podEvents: Object.fromEntries(pods.map((name) => [name, this.podEvents.get(name) ?? []])),
    };
  }
}

function append<Key>(map: Map<Key, string[]>, key: Key, line: string): void {
  map.set(key, [...(map.get(key) ?? []), line]);
}
