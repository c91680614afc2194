import { beforeAll, describe, expect, it } from 'vitest';
import { coreApi } from './clusterClients.ts';
import { REAL_NODE } from './realNodeNames.ts';
import {
  applyPrerequisites,
  finishedRunner,
  REAL_NODE_NAMESPACE,
  realNodeConfig,
  standInJob,
  startRunnerPod,
} from './realNodePods.ts';

/** A job in its own container that reports who it runs as and what it sees of its workspace. */
const job = standInJob({
  image: REAL_NODE.images.busybox,
  script: 'echo "job ran as $(id -u)"; touch /__w/written-by-job; ls -ld /__w /__e /github/home',
});

describe.each([
  { mode: 'dood', daemon: 'the deploy own node Docker daemon' },
  { mode: 'dind', daemon: 'its Docker sidecar, once the sidecar is started' },
] as const)('$mode runners on the real node', { timeout: 180_000 }, ({ mode, daemon }) => {
  const config = realNodeConfig(mode);
  beforeAll(async () => {
    // The runner namespace, and for dood the node daemon, as the deploy makes them.
    await applyPrerequisites(config);
  }, 60_000);

  it(`let the runner (uid 1001) start its job container through ${daemon}`, async () => {
    // Act
    const name = await startRunnerPod(config, [job]);
    const runner = await finishedRunner(REAL_NODE_NAMESPACE, name);

    // Assess
    expect(runner.log).toMatch(/container label [0-9a-f]{6}, uid 1001\n/);
    expect(runner.log).toContain('job ran as 0');
    expect(runner.exitCode, runner.log).toBe(0);
  });
});

describe('none runners on the real node', { timeout: 180_000 }, () => {
  const config = realNodeConfig('none');
  beforeAll(async () => {
    await applyPrerequisites(config);
  }, 60_000);

  it('run in the image own runner folder, with nothing copied and no volume', async () => {
    // Act
    const name = await startRunnerPod(config, [standInJob({ script: 'echo "job in $(pwd)"; id -u' })]);
    const runner = await finishedRunner(REAL_NODE_NAMESPACE, name);
    const stored = await coreApi('admin').readNamespacedPod({ namespace: REAL_NODE_NAMESPACE, name });

    // Assess: what reached the cluster, and what the kubelet ran of it.
    expect(stored.spec?.initContainers ?? []).toEqual([]);
    expect(stored.spec?.volumes ?? []).toEqual([]);
    expect(stored.status?.initContainerStatuses ?? []).toEqual([]);
    expect(runner.log).toContain(`root ${config.runnerClasses[0]?.runnerHome}, container label`);
    expect(runner.log).toContain(`job in ${config.runnerClasses[0]?.runnerHome}/_work`);
    expect(runner.exitCode, runner.log).toBe(0);
  });
});
