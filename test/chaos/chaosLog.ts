import type { Log } from '../../lib/ports.ts';

/**
 * The pipeline's log during a chaos run, kept for the report when an invariant fails: each job's
 * lines, who deleted each pod and why, a count of each warning, and every error.
 */
export class ChaosLog implements Log {
  readonly errors: string[] = [];
  readonly warnings = new Map<string, number>();
  private readonly byJob = new Map<number, string[]>();
  private readonly podDeletions = new Map<string, string[]>();

  debug(): void {}

  info(message: string, attributes: Record<string, unknown> = {}): void {
    const { jobId, podName, reason, deliveryId: _delivery, runnerClass: _class, ...rest } = attributes;
    if (typeof podName === 'string' && message === 'runner pod deleted') {
      append(this.podDeletions, podName, `deleted while handling job ${jobId ?? '(reconciler)'}: ${reason}`);
    }
    if (typeof jobId === 'number')
      append(this.byJob, jobId, `${message} ${JSON.stringify({ podName, ...rest })}`);
  }

  warn(message: string): void {
    this.warnings.set(message, (this.warnings.get(message) ?? 0) + 1);
  }

  error(message: string, attributes: Record<string, unknown> = {}): void {
    this.errors.push(`${message} ${JSON.stringify(attributes)}`);
  }

  /** What the pipeline did about a job, and to the pod made for it. */
  story(jobId: number, podName: string) {
    return { handled: this.byJob.get(jobId) ?? [], podDeleted: this.podDeletions.get(podName) ?? [] };
  }
}

function append<Key>(map: Map<Key, string[]>, key: Key, line: string): void {
  map.set(key, [...(map.get(key) ?? []), line]);
}
