import { createHash } from 'node:crypto';
import type { AutoscalerConfig, RunnerClass } from '../config/autoscalerConfig.ts';
import { DOCKER_SOCKET_GROUP_ID, RUNNER_ROOT_PARENT } from '../pod/buildRunnerPod.ts';
import { LABEL, MANAGED_BY } from '../pod/labels.ts';
import type { PodSpec, Volume } from '../pod/podManifest.ts';
import { runnerPriorityClassName } from '../pod/runnerNames.ts';
import { buildRunnerPodPolicy } from './buildRunnerPodPolicy.ts';
import type {
  ApiObject,
  DaemonSetManifest,
  NamespaceManifest,
  PriorityClassManifest,
} from './clusterManifests.ts';
import { JANITOR_IDLE_MINUTES, JANITOR_INTERVAL_SECONDS, JANITOR_SCRIPT } from './runnerRootJanitor.ts';

/** Where the node-level Docker daemon keeps its images and containers, on the node. */
export const DOCKERD_DATA_ROOT = '/var/lib/eks-runner-autoscaler/docker';
export const DOCKERD_NAME_PREFIX = 'eks-runner-autoscaler-dockerd';
export const JANITOR_NAME_PREFIX = 'eks-runner-autoscaler-janitor';

/**
 * What the cluster needs before the first runner: the runner namespace, the PriorityClass of each
 * class with a `priority`, the admission policy that holds the pods made there to what the classes
 * need (buildRunnerPodPolicy), and for `dood` classes a Docker daemon on their nodes, since EKS nodes
 * run containerd only. One DaemonSet serves every `dood` class with the same placement (nodes and
 * socket), and one beside it runs the runner root janitor. Pure: the deploy applies these with
 * server-side apply.
 */
export function buildClusterPrerequisites(
  config: Pick<AutoscalerConfig, 'cluster' | 'runnerClasses'>,
): ApiObject[] {
  const placements = new Map<string, RunnerClass>();
  for (const runnerClass of config.runnerClasses.filter(({ containerMode }) => containerMode === 'dood')) {
    const id = placementId(runnerClass);
    if (!placements.has(id)) placements.set(id, runnerClass);
  }
  const daemonSets = [...placements].flatMap(([id, runnerClass]) => [
    dockerdDaemonSet(id, runnerClass, config.cluster.namespace, config.cluster.dockerdImage),
    janitorDaemonSet(id, runnerClass, config.cluster.namespace),
  ]);
  const priorityClasses = config.runnerClasses.flatMap(({ name, priority }) =>
    priority === undefined ? [] : [runnerPriorityClass(name, priority)],
  );
  return [runnerNamespace(config), ...priorityClasses, ...buildRunnerPodPolicy(config), ...daemonSets];
}

export function runnerNamespace(config: Pick<AutoscalerConfig, 'cluster'>): NamespaceManifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: config.cluster.namespace, labels: { [LABEL.managedBy]: MANAGED_BY } },
  };
}

function runnerPriorityClass(runnerClassName: string, priority: number): PriorityClassManifest {
  return {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: {
      name: runnerPriorityClassName({ name: runnerClassName, priority }),
      labels: { [LABEL.managedBy]: MANAGED_BY },
    },
    value: priority,
    preemptionPolicy: 'Never',
    globalDefault: false,
    description: `Runner pods of the ${runnerClassName} class (eks-runner-autoscaler).`,
  };
}

/**
 * What names a placement's DaemonSets: a hash of its nodes and socket, and of no class, so that
 * adding, renaming or removing a class leaves the daemon under running jobs alone (a new name would
 * replace it, and dockerd stopping kills its containers).
 */
function placementId(runnerClass: RunnerClass): string {
  const key = JSON.stringify([
    Object.entries(runnerClass.nodeSelector ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)),
    runnerClass.tolerations ?? [],
    runnerClass.dockerSocketPath,
  ]);
  return createHash('sha256').update(key).digest('hex').slice(0, 10);
}

/** A DaemonSet on the nodes of `runnerClass`'s placement, named after the placement. */
function nodeDaemonSet(
  name: string,
  runnerClass: RunnerClass,
  namespace: string,
  podSpec: Pick<PodSpec, 'containers' | 'volumes' | 'priorityClassName'>,
): DaemonSetManifest {
  const labels = { [LABEL.managedBy]: MANAGED_BY, 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace, labels },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: runnerClass.nodeSelector,
          tolerations: runnerClass.tolerations,
          automountServiceAccountToken: false,
          ...podSpec,
        },
      },
    },
  };
}

function dockerdDaemonSet(
  placement: string,
  runnerClass: RunnerClass,
  namespace: string,
  image: string,
): DaemonSetManifest {
  return nodeDaemonSet(`${DOCKERD_NAME_PREFIX}-${placement}`, runnerClass, namespace, {
    priorityClassName: 'system-node-critical',
    containers: [
      {
        name: 'dockerd',
        image,
        command: ['dockerd'],
        args: [
          `--host=unix://${runnerClass.dockerSocketPath}`,
          `--data-root=${DOCKERD_DATA_ROOT}`,
          // The runner pods join this group (DOCKER_SOCKET_GROUP_ID); they run as the runner user.
          `--group=${DOCKER_SOCKET_GROUP_ID}`,
        ],
        env: [{ name: 'DOCKER_TLS_CERTDIR', value: '' }],
        securityContext: { privileged: true },
        resources: { requests: { cpu: '100m', memory: '256Mi' } },
        volumeMounts: [
          { name: 'socket', mountPath: socketDirectory(runnerClass) },
          { name: 'data', mountPath: DOCKERD_DATA_ROOT },
          // Job containers bind-mount paths under the runners' roots: the daemon must see them
          // at the same path as the runner pods do.
          { name: 'runner-roots', mountPath: RUNNER_ROOT_PARENT },
        ],
      },
    ],
    volumes: [
      socketVolume(runnerClass),
      { name: 'data', hostPath: { path: DOCKERD_DATA_ROOT, type: 'DirectoryOrCreate' } },
      RUNNER_ROOTS_VOLUME,
    ],
  });
}

function socketDirectory(runnerClass: RunnerClass): string {
  return runnerClass.dockerSocketPath.slice(0, runnerClass.dockerSocketPath.lastIndexOf('/')) || '/';
}

/** The socket's folder rather than the socket, so that a pod starting before dockerd does not wait for it. */
function socketVolume(runnerClass: RunnerClass): Volume {
  return { name: 'socket', hostPath: { path: socketDirectory(runnerClass), type: 'DirectoryOrCreate' } };
}

const RUNNER_ROOTS_VOLUME: Volume = {
  name: 'runner-roots',
  hostPath: { path: RUNNER_ROOT_PARENT, type: 'DirectoryOrCreate' },
};

/**
 * Removes the roots of runners that are gone, finished or killed (lib/pod/runnerRootLock.ts), and the
 * containers they left on the daemon, on the daemon's nodes. A DaemonSet of its own: it runs the
 * runners' image, for the flock the runners lock with and the docker CLI, and a new runner image must
 * restart the janitor only, never the Docker daemon under running jobs (dockerd stopping kills their
 * containers). It runs as root, for the files job containers leave owned by root, and holds the
 * daemon's socket, which is root on the node anyway: both are what removing a killed runner's
 * leftovers takes, and it does nothing else with them (runnerRootJanitor.ts).
 */
function janitorDaemonSet(placement: string, runnerClass: RunnerClass, namespace: string): DaemonSetManifest {
  return nodeDaemonSet(`${JANITOR_NAME_PREFIX}-${placement}`, runnerClass, namespace, {
    containers: [
      {
        name: 'runner-root-janitor',
        image: runnerClass.image,
        command: ['sh', '-c', JANITOR_SCRIPT],
        env: [
          { name: 'RUNNER_ROOTS', value: RUNNER_ROOT_PARENT },
          { name: 'IDLE_MINUTES', value: String(JANITOR_IDLE_MINUTES) },
          { name: 'INTERVAL_SECONDS', value: String(JANITOR_INTERVAL_SECONDS) },
          { name: 'DOCKER_HOST', value: `unix://${runnerClass.dockerSocketPath}` },
        ],
        securityContext: { runAsUser: 0, runAsNonRoot: false },
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
        volumeMounts: [
          { name: 'runner-roots', mountPath: RUNNER_ROOT_PARENT },
          { name: 'socket', mountPath: socketDirectory(runnerClass) },
        ],
      },
    ],
    volumes: [RUNNER_ROOTS_VOLUME, socketVolume(runnerClass)],
  });
}
