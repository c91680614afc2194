import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { LABEL } from '../../lib/pod/labels.ts';
import type { GitHubStandIn } from '../helpers/gitHubStandIn.ts';
import type { SimulatedJob } from './simulatedJob.ts';

type Runners = GitHubStandIn['runners'];

/** Tells KWOK to end the pod (by UID: never a newer pod of its name) as finished or OOM-killed. */
export async function endPod(
  api: CoreV1Api,
  namespace: string,
  pod: { name: string; uid: string },
  what: 'oom' | 'finish',
): Promise<void> {
  await api
    .patchNamespacedPod({
      name: pod.name,
      namespace,
      body: [
        { op: 'test', path: '/metadata/uid', value: pod.uid },
        { op: 'add', path: `/metadata/annotations/test.eks-runner-autoscaler.io~1${what}`, value: 'true' },
      ],
    })
    .catch(() => undefined);
}

/** A runner GitHub may give a job: its pod runs, released, and it is registered, idle, and unused. */
export function isIdleRunner(pod: V1Pod, runners: Runners, used: ReadonlySet<string>): boolean {
  const name = pod.metadata?.name ?? '';
  return (
    pod.status?.phase === 'Running' &&
    !pod.metadata?.deletionTimestamp &&
    !(pod.spec?.schedulingGates ?? []).length &&
    !used.has(pod.metadata?.uid ?? name) &&
    [...runners.values()].some((runner) => runner.name === name && !runner.busy)
  );
}

/** The ID GitHub gave the runner of that name, the newest if the name was registered again. */
export function runnerIdOf(name: string, runners: Runners): number | null {
  return [...runners.values()].filter((runner) => runner.name === name).at(-1)?.id ?? null;
}

/**
 * The jobs running on a pod that is gone, or being deleted while it runs: a busy runner removed,
 * which must never happen. A pod of the same name with another UID is not the job's runner.
 */
export function busyRunnersGone(jobs: readonly SimulatedJob[], pods: readonly V1Pod[]): SimulatedJob[] {
  const byName = new Map(pods.map((pod) => [pod.metadata?.name ?? '', pod]));
  return jobs.filter((job) => {
    if (job.status !== 'in_progress' || !job.ranOn || job.deletedWhileBusy) return false;
    const pod = byName.get(job.ranOn);
    if (!pod || pod.metadata?.uid !== job.ranOnUid) return true;
    return Boolean(pod.metadata?.deletionTimestamp) && pod.status?.phase === 'Running';
  });
}

/**
 * Runner pods made after the job they were made for finished (a `queued` retried, repeated or
 * redelivered late, or slower than the runner another job lent it): spares, unless another job
 * takes them. A few are kept as examples.
 */
export class SpareCount {
  made = 0;
  readonly examples: string[] = [];
  private readonly seen = new Set<string>();
  private readonly spares = new Set<string>();

  /** How many of them no job ran on. */
  untaken(jobs: readonly SimulatedJob[]): number {
    const taken = new Set(jobs.map((job) => job.ranOnUid));
    return [...this.spares].filter((uid) => !taken.has(uid)).length;
  }

  count(pods: readonly V1Pod[], jobs: readonly SimulatedJob[]): void {
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      if (this.seen.has(uid)) continue;
      this.seen.add(uid);
      const madeFor = jobs.find((job) => job.id === Number(pod.metadata?.labels?.[LABEL.jobId]));
      const after =
        (pod.metadata?.creationTimestamp?.getTime() ?? 0) - Date.parse(madeFor?.completedAt ?? '');
      // Kubernetes times are whole seconds.
      if (!(after > 1000)) continue;
      this.made += 1;
      this.spares.add(uid);
      if (this.examples.length < 5)
        this.examples.push(
          `${pod.metadata?.name} made ${Math.round(after / 1000)} s after its job completed`,
        );
    }
  }
}
