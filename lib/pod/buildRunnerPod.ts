import type { GitHubSettings, RunnerClass } from '../config/autoscalerConfig.ts';
import type { JobMessage } from '../jobMessage.ts';
import { PROTECTED_FROM_DISRUPTION } from './disruption.ts';
import { ANNOTATION, LABEL, MANAGED_BY, REGISTRATION_GATE } from './labels.ts';
import type { Container, EnvVar, PodManifest, Volume, VolumeMount } from './podManifest.ts';
import { runnerPodName, runnerPriorityClassName, runnerSecretName } from './runnerNames.ts';
import { type RunnerPodRegistration, runnerPodRegistration } from './runnerPodRegistration.ts';
import { CLAIM_ROOT_FOR_COPY, holdingRootLock } from './runnerRootLock.ts';

/**
 * Parent of the pod's own runner root, a copy of the image's runner, in the modes where a Docker
 * daemon outside the runner container resolves the job containers' bind mounts (`_work`,
 * `externals`): for `dood` a path on the node, mounted at the same path in the pod, because the
 * node's daemon resolves them on the node; for `dind` an emptyDir the sidecar mounts at the same path.
 * A `none` runner has no such daemon, so it runs in the image's own runner folder, which no other pod
 * shares (a container's files are its own), and nothing is copied.
 */
export const RUNNER_ROOT_PARENT = '/var/lib/eks-runner-autoscaler/runners';

/**
 * The group a node Docker daemon gives its socket, and every `dood` runner pod joins: the docker
 * group of ghcr.io/actions/actions-runner. Without it the socket is root's only (dockerd's default
 * group `docker` rarely exists in a daemon image) and every docker call of the runner (uid 1001) is
 * refused. The pod joins it explicitly, so the socket works whatever groups the runner image gives
 * its user.
 */
export const DOCKER_SOCKET_GROUP_ID = 123;

const DIND_SOCKET_DIR = '/var/run/dind';
const POD_DOCKER_SOCKET = '/var/run/docker.sock';

export interface RunnerPodSettings {
  namespace: string;
  registrationMode: GitHubSettings['registrationMode'];
  /** `config.sh --url`, used in `registration-token` mode. */
  registrationUrl: string;
}

/**
 * The runner pod for one job. Pure: the same inputs give the same pod. The pod is created with a
 * scheduling gate that the scaler lifts once the runner Secret exists, so no container starts
 * without its registration.
 */
export function buildRunnerPod(
  job: JobMessage,
  runnerClass: RunnerClass,
  settings: RunnerPodSettings,
): PodManifest {
  return buildRunnerPodOf(
    {
      name: job.podName ?? runnerPodName(runnerClass.name, job.jobId),
      labels: { [LABEL.jobId]: String(job.jobId) },
      annotations: {
        [ANNOTATION.repository]: job.repository,
        [ANNOTATION.runId]: String(job.runId),
        [ANNOTATION.deliveryId]: job.deliveryId,
        [ANNOTATION.queuedAt]: job.createdAt,
        [ANNOTATION.job]: JSON.stringify({ ...job, action: 'queued', attempt: 0, failures: 0 }),
        ...PROTECTED_FROM_DISRUPTION,
      },
    },
    runnerClass,
    settings,
  );
}

/** What tells one runner pod from another: its name, and what it was made for. */
export interface RunnerPodIdentity {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A runner pod of the class, made for a job or for a warm pool (see buildWarmRunnerPod). Pure. */
export function buildRunnerPodOf(
  identity: RunnerPodIdentity,
  runnerClass: RunnerClass,
  settings: RunnerPodSettings,
): PodManifest {
  const { name } = identity;
  const runnerRoot =
    runnerClass.containerMode === 'none' ? runnerClass.runnerHome : `${RUNNER_ROOT_PARENT}/${name}`;
  const registration = runnerPodRegistration(runnerSecretName(name), settings.registrationMode, {
    registrationUrl: settings.registrationUrl,
    labels: runnerClass.labels,
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: settings.namespace,
      labels: {
        [LABEL.managedBy]: MANAGED_BY,
        [LABEL.runnerClass]: runnerClass.name,
        ...identity.labels,
      },
      annotations: identity.annotations,
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: runnerClass.maxJobDurationSeconds,
      terminationGracePeriodSeconds: runnerClass.terminationGracePeriodSeconds,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      schedulingGates: [{ name: REGISTRATION_GATE }],
      ...(runnerClass.containerMode === 'dood' && {
        securityContext: { supplementalGroups: [DOCKER_SOCKET_GROUP_ID] },
      }),
      nodeSelector: runnerClass.nodeSelector,
      tolerations: runnerClass.tolerations,
      ...(runnerClass.priority !== undefined && {
        priorityClassName: runnerPriorityClassName({ ...runnerClass, priority: runnerClass.priority }),
      }),
      initContainers: [
        ...prepareContainers(runnerClass, runnerRoot, registration),
        ...(runnerClass.containerMode === 'dind' ? [dockerdSidecar(runnerClass, runnerRoot)] : []),
      ],
      containers: [runnerContainer(name, runnerClass, runnerRoot, registration)],
      volumes: [...volumes(runnerClass, runnerRoot), ...registration.volumes],
    },
  };
}

/** The init container that copies the runner into its root (not in `none` mode) and hands over the registration. */
function prepareContainers(
  runnerClass: RunnerClass,
  runnerRoot: string,
  registration: RunnerPodRegistration,
): Container[] {
  const copiesRoot = runnerClass.containerMode !== 'none';
  const steps = [
    ...(copiesRoot
      ? [
          // A dood root is on the node: claimed and locked first, for the node's janitor.
          ...(runnerClass.containerMode === 'dood' ? [CLAIM_ROOT_FOR_COPY] : []),
          'cp -a "$RUNNER_HOME/." "$RUNNER_ROOT/"',
          'chown -R "$RUNNER_UID" "$RUNNER_ROOT"',
        ]
      : []),
    ...registration.prepareSteps,
  ];
  if (steps.length === 0) return [];
  const rootMounts = copiesRoot ? [{ name: 'runner-root', mountPath: runnerRoot }] : [];
  return [
    {
      name: 'prepare-runner-root',
      image: runnerClass.image,
      command: ['sh', '-c', steps.join(' && ')],
      env: [
        { name: 'RUNNER_HOME', value: runnerClass.runnerHome },
        { name: 'RUNNER_ROOT', value: runnerRoot },
        { name: 'RUNNER_UID', value: String(runnerClass.runnerUserId) },
      ],
      securityContext: { runAsUser: 0, runAsNonRoot: false },
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      volumeMounts: [...rootMounts, ...registration.prepareMounts],
    },
  ];
}

/** A native sidecar (an init container that keeps running), so the pod still completes when the runner exits. */
export function dockerdSidecar(runnerClass: RunnerClass, runnerRoot: string): Container {
  return {
    name: 'dockerd',
    image: runnerClass.dindImage,
    restartPolicy: 'Always',
    args: ['dockerd', `--host=unix://${DIND_SOCKET_DIR}/docker.sock`, `--group=${runnerClass.runnerUserId}`],
    env: [{ name: 'DOCKER_TLS_CERTDIR', value: '' }],
    securityContext: { privileged: true },
    startupProbe: {
      exec: { command: ['docker', '--host', `unix://${DIND_SOCKET_DIR}/docker.sock`, 'info'] },
      periodSeconds: 1,
      failureThreshold: 120,
    },
    volumeMounts: [
      { name: 'runner-root', mountPath: runnerRoot },
      { name: 'dind-socket', mountPath: DIND_SOCKET_DIR },
      { name: 'dind-storage', mountPath: '/var/lib/docker' },
    ],
  };
}

function runnerContainer(
  podName: string,
  runnerClass: RunnerClass,
  runnerRoot: string,
  registration: RunnerPodRegistration,
): Container {
  return {
    name: 'runner',
    image: runnerClass.image,
    workingDir: runnerRoot,
    // A dood runner's root is on the node: hold its lock, so the node's janitor knows when it is dead.
    command:
      runnerClass.containerMode === 'dood'
        ? holdingRootLock(registration.runnerCommand)
        : registration.runnerCommand,
    env: [
      { name: 'RUNNER_NAME', value: podName },
      { name: 'RUNNER_ROOT', value: runnerRoot },
      // run.sh then passes a SIGTERM on to the runner, which cancels its job and reports it.
      { name: 'RUNNER_MANUALLY_TRAP_SIG', value: '1' },
      ...dockerHostEnv(runnerClass),
      ...registration.runnerEnv,
    ],
    resources: runnerClass.resources,
    lifecycle: { preStop: { exec: { command: letJobFinish(runnerClass.terminationGracePeriodSeconds) } } },
    securityContext: { runAsUser: runnerClass.runnerUserId, runAsNonRoot: true },
    volumeMounts: [
      ...(runnerClass.containerMode === 'none' ? [] : [{ name: 'runner-root', mountPath: runnerRoot }]),
      ...dockerMounts(runnerClass),
      ...registration.runnerMounts,
    ],
  };
}

/** Seconds of the grace period kept for the runner to cancel and report a job it was signalled in. */
export const CANCEL_JOB_SECONDS = 20;

/**
 * The preStop hook: while a job runs (a `Runner.Worker` process exists), wait for it to end, for all
 * of the grace period but the last CANCEL_JOB_SECONDS. An idle runner stops at once. The bracket
 * keeps the pattern from matching the hook's own command line.
 */
function letJobFinish(gracePeriodSeconds: number): string[] {
  const waitSeconds = gracePeriodSeconds - CANCEL_JOB_SECONDS;
  return [
    'sh',
    '-c',
    `i=0; while [ "$i" -lt ${waitSeconds} ] && grep -qs '[R]unner.Worker' /proc/[0-9]*/cmdline; do sleep 1; i=$((i + 1)); done`,
  ];
}

function dockerHostEnv(runnerClass: RunnerClass): EnvVar[] {
  switch (runnerClass.containerMode) {
    case 'dood':
      return [{ name: 'DOCKER_HOST', value: `unix://${POD_DOCKER_SOCKET}` }];
    case 'dind':
      return [{ name: 'DOCKER_HOST', value: `unix://${DIND_SOCKET_DIR}/docker.sock` }];
    case 'none':
      return [];
  }
}

function dockerMounts(runnerClass: RunnerClass): VolumeMount[] {
  switch (runnerClass.containerMode) {
    case 'dood':
      return [{ name: 'docker-socket', mountPath: POD_DOCKER_SOCKET }];
    case 'dind':
      return [{ name: 'dind-socket', mountPath: DIND_SOCKET_DIR }];
    case 'none':
      return [];
  }
}

function volumes(runnerClass: RunnerClass, runnerRoot: string): Volume[] {
  switch (runnerClass.containerMode) {
    case 'dood':
      return [
        { name: 'runner-root', hostPath: { path: runnerRoot, type: 'DirectoryOrCreate' } },
        { name: 'docker-socket', hostPath: { path: runnerClass.dockerSocketPath, type: 'Socket' } },
      ];
    case 'dind':
      return [
        { name: 'runner-root', emptyDir: {} },
        { name: 'dind-socket', emptyDir: {} },
        { name: 'dind-storage', emptyDir: {} },
      ];
    case 'none':
      return [];
  }
}
