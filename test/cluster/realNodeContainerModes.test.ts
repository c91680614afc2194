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

/** A job in its own container that reports who it runs as and what it sees of its workspace. */
const job = standInJob({
  image: REAL_NODE.images.busybox,
  script: 'echo "job ran as $(id -u)"; touch /__w/written-by-job; ls -ld /__w /__e /github/home',
});

describe('container modes on the real node', { timeout: 180_000 }, () => {
  describe('dood, through the deploy own node Docker daemon', () => {
    const config = realNodeConfig('dood');
    beforeAll(async () => {
      await applyPrerequisites(config);
    }, 60_000);

    it('lets the runner (uid 1001) start its job container through the node daemon socket', async () => {
      // Act
      const name = await startRunnerPod(config, [job]);
      const runner = await finishedRunner(REAL_NODE_NAMESPACE, name);

      // Assess
      expect(runner.log).toMatch(/container label [0-9a-f]{6}, uid 1001\n/);
      expect(runner.log).toContain('job ran as 0');
      expect(runner.exitCode, runner.log).toBe(0);
    });
  });

  describe('dind, with its own daemon in a sidecar', () => {
    const config = realNodeConfig('dind');

    it('lets the runner (uid 1001) start its job container through the sidecar socket, once the daemon is up', async () => {
      // Act
      const name = await startRunnerPod(config, [job]);
      const runner = await finishedRunner(REAL_NODE_NAMESPACE, name);

      // Assess
      expect(runner.log).toMatch(/container label [0-9a-f]{6}, uid 1001\n/);
      expect(runner.log).toContain('job ran as 0');
      expect(runner.exitCode, runner.log).toBe(0);
    });
  });
});
