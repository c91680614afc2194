/**
 * The copy of the runner into each `dood` pod's own root, on the tests' real node: how long the
 * prepare-runner-root init container takes (its own steps, timed in the container from
 * /proc/uptime, 10 ms steps), and how many bytes and files each pod's root holds on the node.
 * The runner image is the stand-in with a real actions-runner's /home/runner, about 600 MB in 8,100
 * files (test/cluster/build-real-size-runner-image.sh says where the figures come from). Each root
 * is removed after it is measured, so the runs do not fill the disk.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type V1Pod } from '@kubernetes/client-node';
import { KubernetesApplier } from '../lib/adapters/kubernetesApplier.ts';
import { RUNNER_ROOT_PARENT } from '../lib/pod/buildRunnerPod.ts';
import { type ControlPlaneAccess, waitFor } from '../test/cluster/controlPlane.ts';
import { startRealNode } from '../test/cluster/realNode.ts';
import { applyPrerequisites, realNodeConfig, startRunnerPod } from '../test/cluster/realNodePods.ts';
import { realSizeRunnerImage } from '../test/cluster/realSizeRunner.ts';

export interface RunnerRootCopy {
  seconds: number;
  bytes: number;
  files: number;
}

/** Wraps the init container's steps with two readings of the clock, printed to its log. */
function timePrepareSteps(pod: V1Pod): void {
  const prepare = pod.spec?.initContainers?.find(({ name }) => name === 'prepare-runner-root');
  const steps = prepare?.command?.[2];
  if (!prepare || !steps) throw new Error('bench: no prepare-runner-root steps to time');
  prepare.command = [
    'sh',
    '-c',
    `start=$(cut -d' ' -f1 /proc/uptime); ${steps}; end=$(cut -d' ' -f1 /proc/uptime); echo "prepared $start $end"`,
  ];
}

export async function measureRunnerRootCopy(
  controlPlane: ControlPlaneAccess,
  runs: number,
): Promise<RunnerRootCopy[]> {
  const realNode = await startRealNode(controlPlane);
  try {
    const config = realNodeConfig('dood');
    const { namespace } = config.cluster;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(controlPlane.adminKubeconfig);
    const api = kubeConfig.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    await applyPrerequisites(config, new KubernetesApplier(async () => objects));
    const realSize = realNodeConfig('dood', { image: realSizeRunnerImage() });
    const copies: RunnerRootCopy[] = [];
    for (let run = 0; run < runs; run++) {
      const name = await startRunnerPod(realSize, [timePrepareSteps], api);
      let log = '';
      await waitFor(`${name} to prepare its root`, async () => {
        log = await api.readNamespacedPodLog({ namespace, name, container: 'prepare-runner-root' });
        return log.includes('prepared');
      });
      const [, start, end] = log.match(/prepared ([\d.]+) ([\d.]+)/) ?? [];
      const root = `${RUNNER_ROOT_PARENT}/${name}`;
      copies.push({
        seconds: Number(end) - Number(start),
        bytes: Number(execFileSync('du', ['-sb', root], { encoding: 'utf8' }).split('\t')[0]),
        files: Number(execFileSync('sh', ['-c', 'find "$0" -type f | wc -l', root], { encoding: 'utf8' })),
      });
      await api.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
      rmSync(root, { recursive: true, force: true });
    }
    return copies;
  } finally {
    await realNode.stop();
  }
}
