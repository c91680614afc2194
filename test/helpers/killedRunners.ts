import type { InMemoryRunnerCluster } from '../../lib/adapters/inMemoryRunnerCluster.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import type { RunnerPod } from '../../lib/ports.ts';
import { jobMessage, testConfig } from './factories.ts';
import { livePod } from './livePod.ts';
import { reconcilerHarness } from './reconcilerHarness.ts';

/** The runner pod made for job `jobId` in the test config's class. */
export const runnerFor = (jobId: number) => `linux-small-${jobId}`;

/** A harness where runner `jobId` took job `ranJobId` (its own unless said), by GitHub's runner ID. */
export async function runnerThatTookAJob(jobId: number, ranJobId = jobId, config = testConfig()) {
  const harness = reconcilerHarness(config);
  await harness.runBatch(jobMessage({ jobId }));
  harness.cluster.setPhase(runnerFor(jobId), 'Running');
  const pod = await livePod(harness.cluster, runnerFor(jobId));
  await harness.runBatch(
    jobMessage({
      jobId: ranJobId,
      runId: 500,
      action: 'in_progress',
      runnerName: pod.name,
      runnerId: Number(pod.annotations[ANNOTATION.runnerId]),
    }),
  );
  return harness;
}

/** The `completed` of a job in run `runId`, naming the runner pod it ran on as GitHub does: by its ID too. */
export const completedOn = (pod: RunnerPod, jobId: number, runId: number) =>
  jobMessage({
    jobId,
    runId,
    action: 'completed',
    runnerName: pod.name,
    runnerId: Number(pod.annotations[ANNOTATION.runnerId]),
  });

/** Evicts runner `jobId`'s pod and keeps its runner by GitHub's ID, as the reconciler does before it removes a killed pod. */
export async function evictAndKeepRunner(cluster: InMemoryRunnerCluster, jobId: number): Promise<RunnerPod> {
  cluster.setPhase(runnerFor(jobId), 'Failed', 'evicted', 'evicted');
  const pod = await livePod(cluster, runnerFor(jobId));
  await cluster.rememberKilledRunner({
    runnerId: Number(pod.annotations[ANNOTATION.runnerId]),
    podName: pod.name,
    runnerClass: pod.runnerClass,
    killedBy: 'evicted',
    keptAt: new Date().toISOString(),
  });
  return pod;
}
