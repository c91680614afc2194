/** Runner pods run for real on the real node (realNode.ts), and what the tests read back from them. */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import {
  buildClusterPrerequisites,
  JANITOR_NAME_PREFIX,
} from '../../lib/cluster/buildClusterPrerequisites.ts';
import type { ObjectApplier } from '../../lib/cluster/prerequisitesResource.ts';
import type { AutoscalerConfig, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { buildRunnerPod } from '../../lib/pod/buildRunnerPod.ts';
import { buildRunnerSecret } from '../../lib/pod/buildRunnerSecret.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';
import { applierAs, coreApi, uniqueJobId } from './clusterClients.ts';
import { waitFor } from './controlPlane.ts';
import { REAL_NODE } from './realNodeNames.ts';

export const REAL_NODE_NAMESPACE = 'real-node-runners';

/**
 * The example config's class of `mode`, placed on the real node and running the stand-in runner
 * image; `dood` classes use the locally made daemon image, on a socket of the tests' own. A test
 * changes the class with `overrides`.
 */
export function realNodeConfig(
  mode: RunnerClass['containerMode'],
  overrides: Partial<RunnerClass> = {},
): AutoscalerConfig {
  const base = testConfig();
  const runnerClass = base.runnerClasses.find(({ containerMode }) => containerMode === mode);
  if (!runnerClass) throw new Error(`no ${mode} class in the example config`);
  return {
    ...base,
    cluster: { ...base.cluster, namespace: REAL_NODE_NAMESPACE, dockerdImage: REAL_NODE.images.dockerd },
    runnerClasses: [
      {
        ...runnerClass,
        image: REAL_NODE.images.runner,
        dindImage: REAL_NODE.images.dockerd,
        nodeSelector: REAL_NODE.labels,
        tolerations: [{ key: REAL_NODE.taint.key, operator: 'Exists', effect: REAL_NODE.taint.effect }],
        dockerSocketPath: '/var/run/eks-runner-autoscaler-test/docker.sock',
        // The real node has this machine's 2 CPUs, shared with the control plane.
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '512Mi' } },
        maxJobDurationSeconds: 600,
        terminationGracePeriodSeconds: 30,
        ...overrides,
      },
    ],
  };
}

/**
 * Applies the deploy's prerequisites for `config` as the prerequisites function would, but for the
 * runner pod admission policy: the real node's namespace is shared by test files that each bring a
 * config of one class, at once, and each one's policy would refuse the others' pods. The policy has
 * its own test (runnerPodPolicy.test.ts). Nor the janitor's DaemonSet: its passes every minute
 * would race the roots a test ages for it; a test runs it once from its pod template instead
 * (realNodeJanitor.ts).
 */
export async function applyPrerequisites(
  config: AutoscalerConfig,
  applier: ObjectApplier = applierAs('admin'),
): Promise<void> {
  const objects = buildClusterPrerequisites(config).filter(
    ({ kind, metadata }) =>
      !kind.startsWith('ValidatingAdmissionPolicy') && !metadata.name.startsWith(JANITOR_NAME_PREFIX),
  );
  for (const object of objects) await applier.apply(object);
}

/** What a test changes of a built pod: the stand-in's job, and anything else (the control cases). */
export type PodChange = (pod: V1Pod) => void;

/** The stand-in runner's job (test/cluster/node/runner/run.sh), as variables of the runner container. */
export function standInJob(job: {
  script: string;
  image?: string;
  services?: string[];
  labelRule?: 'root-path' | 'runner-file';
}): PodChange {
  return (pod) => {
    const runner = pod.spec?.containers.find(({ name }) => name === 'runner');
    runner?.env?.push(
      { name: 'STAND_IN_JOB_SCRIPT', value: job.script },
      ...(job.image ? [{ name: 'STAND_IN_JOB_IMAGE', value: job.image }] : []),
      ...(job.services ? [{ name: 'STAND_IN_SERVICE_IMAGES', value: job.services.join(' ') }] : []),
      ...(job.labelRule ? [{ name: 'STAND_IN_LABEL_RULE', value: job.labelRule }] : []),
    );
  };
}

/**
 * Creates the runner pod `buildRunnerPod` makes for a new job, changed by `changes`, with its JIT
 * Secret, and releases it as the scaler does. Returns its name.
 */
export async function startRunnerPod(
  config: AutoscalerConfig,
  changes: PodChange[],
  api: CoreV1Api = coreApi('admin'),
): Promise<string> {
  const [runnerClass] = config.runnerClasses as [RunnerClass];
  const pod = buildRunnerPod(
    jobMessage({ jobId: uniqueJobId(), runnerClass: runnerClass.name }),
    runnerClass,
    {
      namespace: config.cluster.namespace,
      registrationMode: 'jit',
      registrationUrl: 'https://github.com/acme',
    },
  );
  for (const change of changes) change(pod);
  const namespace = config.cluster.namespace;
  const created = await api.createNamespacedPod({ namespace, body: pod });
  const name = created.metadata?.name ?? '';
  await api.createNamespacedSecret({
    namespace,
    body: buildRunnerSecret(
      { name, uid: created.metadata?.uid ?? '', namespace, runnerClassName: runnerClass.name },
      { kind: 'jit', runnerId: 1, encodedJitConfig: Buffer.from(`{"runner":"${name}"}`).toString('base64') },
    ),
  });
  await api.patchNamespacedPod({ namespace, name, body: [{ op: 'remove', path: '/spec/schedulingGates' }] });
  return name;
}

/** Waits for the pod to end, and returns its phase and the runner container's exit and log. */
export async function finishedRunner(
  namespace: string,
  name: string,
  timeoutMs = 120_000,
): Promise<{ phase: string; exitCode?: number; reason?: string; log: string }> {
  const api = coreApi('admin');
  let pod: V1Pod | undefined;
  await waitFor(
    `runner pod ${name} to end`,
    async () => {
      pod = await api.readNamespacedPod({ namespace, name });
      return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    },
    timeoutMs,
  );
  const terminated = pod?.status?.containerStatuses?.find((status) => status.name === 'runner')?.state
    ?.terminated;
  return {
    phase: pod?.status?.phase ?? '',
    exitCode: terminated?.exitCode,
    reason: terminated?.reason ?? pod?.status?.reason,
    log: await runnerLog(namespace, name),
  };
}

export async function runnerLog(namespace: string, name: string): Promise<string> {
  return (await coreApi('admin').readNamespacedPodLog({ namespace, name, container: 'runner' })) ?? '';
}

/** Waits until the runner's log has a line matching `pattern`. */
export async function untilLogged(namespace: string, name: string, pattern: RegExp): Promise<string> {
  let log = '';
  await waitFor(
    `runner ${name} to log ${pattern}`,
    async () => {
      log = await runnerLog(namespace, name);
      return pattern.test(log);
    },
    120_000,
  );
  return log;
}

/** Deletes the pod with no grace period (its processes are SIGKILLed), and waits until it is gone. */
export async function deleteAtOnce(name: string, namespace = REAL_NODE_NAMESPACE): Promise<void> {
  const api = coreApi('admin');
  await api.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
  await waitFor(`${name} to be gone`, () =>
    api.readNamespacedPod({ namespace, name }).then(
      () => false,
      () => true,
    ),
  );
}
