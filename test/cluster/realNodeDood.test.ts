import { beforeAll, describe, expect, it } from 'vitest';
import { REAL_NODE } from './realNodeNames.ts';
import {
  applyPrerequisites,
  finishedRunner,
  REAL_NODE_NAMESPACE,
  realNodeConfig,
  standInJob,
  startRunnerPod,
} from './realNodePods.ts';

const config = realNodeConfig('dood');

describe('dood runners on the real node, through the deploy own Docker daemon', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await applyPrerequisites(config);
  }, 60_000);

  it('lets the runner (uid 1001) start its job container through the node daemon socket', async () => {
    // Prepare
    const job = standInJob({ image: REAL_NODE.images.busybox, script: 'echo "job ran as $(id -u)"' });

    // Act
    const name = await startRunnerPod(config, job);
    const runner = await finishedRunner(REAL_NODE_NAMESPACE, name);

    // Assess
    expect(runner.log).toMatch(/container label [0-9a-f]{6}, uid 1001\n/);
    expect(runner.log).toContain('job ran as 0');
    expect(runner.exitCode, runner.log).toBe(0);
  });
});
