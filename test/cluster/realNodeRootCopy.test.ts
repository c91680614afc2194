import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { RUNNER_ROOT_PARENT } from '../../lib/pod/buildRunnerPod.ts';
import { coreApi } from './clusterClients.ts';
import { waitFor } from './controlPlane.ts';
import { NODE_CONTAINERD_SOCKET } from './realNode.ts';
import { runJanitorOnce, startedLongAgo, untilRootUnlocked } from './realNodeJanitor.ts';
import {
  applyPrerequisites,
  deleteAtOnce,
  REAL_NODE_NAMESPACE,
  realNodeConfig,
  standInJob,
  startRunnerPod,
} from './realNodePods.ts';
import { realSizeRunnerImage } from './realSizeRunner.ts';

/**
 * A dood pod that dies while prepare-runner-root copies the runner into its root on the node: the
 * runner image has a real actions-runner's 600 MB (build-real-size-runner-image.sh), so the copy
 * lasts long enough to be interrupted.
 */
const config = realNodeConfig('dood');

/**
 * What the kernel does to a container it OOM-kills: SIGKILL. A real OOM kill during a copy cannot be
 * had on purpose (cp's memory is page cache, which the kernel reclaims instead), so the test sends
 * it to the container's processes itself, through the node's containerd.
 */
/** The node's containerd, asked directly: the pod's status names its containers only a moment later. */
function ctr(...args: string[]): string {
  return execFileSync('ctr', ['--address', NODE_CONTAINERD_SOCKET, '--namespace', 'k8s.io', ...args], {
    encoding: 'utf8',
  });
}

function prepareContainerId(name: string): string | undefined {
  // One filter, so that both hold (filters apart are either).
  const filter = `labels."io.kubernetes.pod.name"==${name},labels."io.kubernetes.container.name"==prepare-runner-root`;
  return ctr('containers', 'ls', '--quiet', filter).split('\n').find(Boolean);
}

/** Waits until prepare-runner-root runs and has begun to fill the root: the copy is under way. */
async function untilCopying(name: string): Promise<void> {
  const root = `${RUNNER_ROOT_PARENT}/${name}`;
  await waitFor(
    `${name} to be copying its root`,
    async () => {
      const id = prepareContainerId(name);
      const running =
        id !== undefined &&
        /\bRUNNING\b/.test(
          ctr('tasks', 'ls')
            .split('\n')
            .find((line) => line.startsWith(id)) ?? '',
        );
      return running && existsSync(root) && readdirSync(root).length > 0;
    },
    120_000,
  );
}

async function killPrepareContainer(name: string): Promise<void> {
  const id = prepareContainerId(name);
  if (!id) throw new Error(`test: ${name} has no prepare-runner-root container`);
  ctr('tasks', 'kill', '--all', '--signal', 'SIGKILL', id);
}

async function prepareExit(name: string): Promise<number | undefined> {
  let exitCode: number | undefined;
  await waitFor(`${name} to fail`, async () => {
    const pod = await coreApi('admin').readNamespacedPod({ namespace: REAL_NODE_NAMESPACE, name });
    exitCode = pod.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode;
    return pod.status?.phase === 'Failed';
  });
  return exitCode;
}

describe('a dood pod killed while its runner root is copied', { timeout: 300_000 }, () => {
  let realSize: AutoscalerConfig;
  beforeAll(async () => {
    await applyPrerequisites(config);
    realSize = realNodeConfig('dood', { image: realSizeRunnerImage() });
  }, 240_000);

  /** Starts a pod, kills it by `kill` once its copy has begun, then runs the janitor. */
  async function killedDuringCopy(kill: (name: string) => Promise<void>) {
    const name = await startRunnerPod(realSize, [standInJob({ script: 'true' })]);
    const root = `${RUNNER_ROOT_PARENT}/${name}`;
    await untilCopying(name);
    await kill(name);
    await untilRootUnlocked(name);
    startedLongAgo(name);
    return { name, root, janitorLog: await runJanitorOnce(config) };
  }

  it('deleted half-way leaves nothing once the janitor has run', async () => {
    // Act
    const { root, janitorLog } = await killedDuringCopy((name) => deleteAtOnce(name));

    // Assess
    expect(janitorLog).toContain(`removed runner root ${root}`);
    expect(existsSync(root)).toBe(false);
  });

  it('OOM-killed half-way leaves nothing once the janitor has run', async () => {
    // Act
    const { name, root, janitorLog } = await killedDuringCopy(killPrepareContainer);

    // Assess: the SIGKILL ended the copy, not the copy's own end.
    expect(await prepareExit(name)).toBe(137);
    expect(janitorLog).toContain(`removed runner root ${root}`);
    expect(existsSync(root)).toBe(false);
  });
});
