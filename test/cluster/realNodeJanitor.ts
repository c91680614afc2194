/** The deploy's runner root janitor, run once on the real node, and what the tests age to reach it. */
import { spawnSync } from 'node:child_process';
import { existsSync, utimesSync } from 'node:fs';
import type { V1DaemonSet } from '@kubernetes/client-node';
import {
  buildClusterPrerequisites,
  JANITOR_NAME_PREFIX,
} from '../../lib/cluster/buildClusterPrerequisites.ts';
import { JANITOR_IDLE_MINUTES } from '../../lib/cluster/runnerRootJanitor.ts';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { RUNNER_ROOT_PARENT } from '../../lib/pod/buildRunnerPod.ts';
import { ALIVE_FILE } from '../../lib/pod/runnerRootLock.ts';
import { coreApi, uniqueJobId } from './clusterClients.ts';
import { waitFor } from './controlPlane.ts';

/**
 * Waits until nothing holds the lock of the pod's root: the API server forgets a pod deleted with
 * no grace period at once, and the kubelet kills its processes a moment later.
 */
export async function untilRootUnlocked(name: string): Promise<void> {
  const alive = `${RUNNER_ROOT_PARENT}/${name}/${ALIVE_FILE}`;
  // flock would make a missing file: none is as unlocked as can be.
  const unlocked = () => !existsSync(alive) || spawnSync('flock', ['--nonblock', alive, 'true']).status === 0;
  await waitFor(`the processes of ${name} to be gone`, async () => unlocked(), 60_000);
}

/** As if the runner of the pod `name` had started longer ago than the janitor waits (its root, if no `.alive`). */
export function startedLongAgo(name: string): void {
  const past = new Date(Date.now() - (JANITOR_IDLE_MINUTES + 5) * 60_000);
  const root = `${RUNNER_ROOT_PARENT}/${name}`;
  utimesSync(existsSync(`${root}/${ALIVE_FILE}`) ? `${root}/${ALIVE_FILE}` : root, past, past);
}

/**
 * Runs one pass of the janitor the deploy applies for `config`'s dood class: a pod of its
 * DaemonSet's template (image, command, mounts, socket, identity), with ONCE=1. Returns its log.
 */
export async function runJanitorOnce(config: AutoscalerConfig): Promise<string> {
  const janitor = buildClusterPrerequisites(config).find(
    ({ kind, metadata }) => kind === 'DaemonSet' && metadata.name.startsWith(JANITOR_NAME_PREFIX),
  ) as V1DaemonSet | undefined;
  const spec = janitor?.spec?.template.spec;
  if (!spec) throw new Error('test: no janitor DaemonSet for this config');
  const namespace = config.cluster.namespace;
  const name = `janitor-once-${uniqueJobId()}`;
  const api = coreApi('admin');
  await api.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        ...spec,
        restartPolicy: 'Never',
        containers: spec.containers.map((container) => ({
          ...container,
          env: [...(container.env ?? []), { name: 'ONCE', value: '1' }],
        })),
      },
    },
  });
  let phase = '';
  await waitFor(
    `janitor pod ${name} to end`,
    async () => {
      phase = (await api.readNamespacedPod({ namespace, name })).status?.phase ?? '';
      return phase === 'Succeeded' || phase === 'Failed';
    },
    60_000,
  );
  const log = (await api.readNamespacedPodLog({ namespace, name })) ?? '';
  await api.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
  if (phase !== 'Succeeded') throw new Error(`the janitor failed:\n${log}`);
  return log;
}
