import { ANNOTATION } from '../pod/labels.ts';
import type { RunnerPod } from '../ports.ts';
import type { RunnerScope } from '../runners/runnerScope.ts';

/** Where a warm runner registered, kept on its pod: what removing it by identity needs. */
export interface WarmRunner {
  installationId: number;
  scope: RunnerScope;
}

/**
 * A warm runner's name: `<class>-w<n>`. The `w` keeps it apart from every job's `<class>-<job id>`.
 * `n` is a free slot number for those the reconciler makes, and the job ID for the one made when a
 * warm runner takes that job, so every delivery of that `in_progress` names the same top-up.
 */
export function warmRunnerName(runnerClassName: string, n: number): string {
  return `${runnerClassName}-w${n}`;
}

/** The class of a warm runner name we made, or undefined for any other name. */
export function parseWarmRunnerName(
  name: string,
  runnerClassNames: readonly string[],
): { runnerClassName: string } | undefined {
  const match = /^(.+)-w(\d{1,16})$/.exec(name);
  if (!match?.[1] || !runnerClassNames.includes(match[1])) return undefined;
  return { runnerClassName: match[1] };
}

/** The scope a pool's `scope` names: an organisation, or an `owner/name` repository. */
export function poolScope(scope: string): RunnerScope {
  const [owner = '', repo] = scope.split('/');
  return repo === undefined ? { kind: 'org', org: owner } : { kind: 'repo', owner, repo };
}

/** The warm runner a pod is, or undefined for a job's runner (or an unreadable annotation). */
export function warmRunnerOf(pod: Pick<RunnerPod, 'annotations'>): WarmRunner | undefined {
  const text = pod.annotations[ANNOTATION.warm];
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<WarmRunner>;
    if (typeof parsed.installationId !== 'number' || typeof parsed.scope !== 'object') return undefined;
    return { installationId: parsed.installationId, scope: parsed.scope };
  } catch {
    return undefined;
  }
}

/** A warm runner that, as far as we know, took no job: neither an `in_progress` nor GitHub said so. */
export function isIdleWarmRunner(pod: Pick<RunnerPod, 'annotations'>): boolean {
  return (
    warmRunnerOf(pod) !== undefined &&
    !(ANNOTATION.runningJobId in pod.annotations) &&
    !(ANNOTATION.warmTaken in pod.annotations)
  );
}
