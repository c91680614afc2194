import type { RunnerCluster, RunnerPod } from '../../lib/ports.ts';

/** The pod of that name as it is now, to act on it as the core does: by name and UID. */
export async function livePod(cluster: Pick<RunnerCluster, 'readPod'>, name: string): Promise<RunnerPod> {
  const pod = await cluster.readPod(name);
  if (!pod) throw new Error(`test: expected a pod ${name}`);
  return pod;
}
