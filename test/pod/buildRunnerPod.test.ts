import { describe, expect, it } from 'vitest';
import { buildRunnerPod, RUNNER_ROOT_PARENT, type RunnerPodSettings } from '../../lib/pod/buildRunnerPod.ts';
import { REGISTRATION_GATE } from '../../lib/pod/labels.ts';
import { exampleRunnerClass, jobMessage } from '../helpers/factories.ts';

const job = jobMessage({ jobId: 29679449123, runId: 1234, deliveryId: 'abc-123' });
const settings: RunnerPodSettings = {
  namespace: 'github-runners',
  registrationMode: 'jit',
  registrationUrl: 'https://github.com/acme',
};

describe('buildRunnerPod', () => {
  describe.each(['none', 'dood', 'dind'] as const)('in %s mode', (mode) => {
    const runnerClass = exampleRunnerClass(mode);
    const pod = buildRunnerPod(job, runnerClass, settings);
    const runner = pod.spec?.containers.find((container) => container.name === 'runner');

    it('matches the snapshot', () => {
      expect(pod).toMatchSnapshot();
    });

    it('is a single-use pod that cannot outlive the class limit and has no API token', () => {
      expect(pod.spec).toMatchObject({
        restartPolicy: 'Never',
        activeDeadlineSeconds: runnerClass.maxJobDurationSeconds,
        automountServiceAccountToken: false,
        schedulingGates: [{ name: REGISTRATION_GATE }],
      });
    });

    it('is created protected from Karpenter and Cluster Autoscaler, with time to end a job cleanly', () => {
      expect(pod.metadata?.annotations).toMatchObject({
        'karpenter.sh/do-not-disrupt': 'true',
        'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false',
      });
      expect(pod.spec?.terminationGracePeriodSeconds).toBe(runnerClass.terminationGracePeriodSeconds);
      expect(runner?.env).toContainEqual({ name: 'RUNNER_MANUALLY_TRAP_SIG', value: '1' });
      expect(runner?.lifecycle?.preStop?.exec?.command?.[2]).toContain(
        `-lt ${runnerClass.terminationGracePeriodSeconds - 20} ]`,
      );
    });

    it('takes the JIT config from the Secret, never as a literal', () => {
      const jit = runner?.env?.find((variable) => variable.name === 'ACTIONS_RUNNER_INPUT_JITCONFIG');
      expect(jit).toEqual({
        name: 'ACTIONS_RUNNER_INPUT_JITCONFIG',
        valueFrom: { secretKeyRef: { name: `${pod.metadata?.name}-runner`, key: 'jit-config' } },
      });
      expect(JSON.stringify(pod)).not.toMatch(/jit-secret|encoded_jit_config/);
    });

    it('carries the class resources, node selector and tolerations', () => {
      expect(runner?.resources).toEqual(runnerClass.resources);
      expect(pod.spec?.nodeSelector).toEqual(runnerClass.nodeSelector);
      expect(pod.spec?.tolerations).toEqual(runnerClass.tolerations);
    });
  });

  it.each(['dood', 'dind'] as const)(
    'in %s mode gets its own runner root, named after the pod, at the same path in every container',
    (mode) => {
      const pod = buildRunnerPod(job, exampleRunnerClass(mode), settings);
      const runnerRoot = `${RUNNER_ROOT_PARENT}/${pod.metadata?.name}`;
      const mountsOfRoot = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]
        .flatMap((container) => container.volumeMounts ?? [])
        .filter((mount) => mount.name === 'runner-root');
      expect(mountsOfRoot.length).toBeGreaterThanOrEqual(2);
      expect(new Set(mountsOfRoot.map((mount) => mount.mountPath))).toEqual(new Set([runnerRoot]));
      expect(pod.spec?.containers[0]?.workingDir).toBe(runnerRoot);
    },
  );

  it('in none mode copies nothing: the runner runs in the image own runner folder, which no pod shares', () => {
    const runnerClass = exampleRunnerClass('none');
    const pod = buildRunnerPod(job, runnerClass, settings);
    const runner = pod.spec?.containers[0];
    expect(pod.spec?.initContainers).toEqual([]);
    expect(pod.spec?.volumes).toEqual([]);
    expect(runner?.volumeMounts).toEqual([]);
    expect(runner?.workingDir).toBe(runnerClass.runnerHome);
    expect(runner?.env).toContainEqual({ name: 'RUNNER_ROOT', value: runnerClass.runnerHome });
  });

  it('puts the dood runner root on the node at the very path the pod sees, with the node Docker socket', () => {
    // Act
    const pod = buildRunnerPod(job, exampleRunnerClass('dood'), settings);

    // Assess
    const runnerRoot = `${RUNNER_ROOT_PARENT}/${pod.metadata?.name}`;
    expect(pod.spec?.volumes).toEqual([
      { name: 'runner-root', hostPath: { path: runnerRoot, type: 'DirectoryOrCreate' } },
      { name: 'docker-socket', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } },
    ]);
    const runner = pod.spec?.containers[0];
    expect(runner?.env).toContainEqual({ name: 'DOCKER_HOST', value: 'unix:///var/run/docker.sock' });
  });

  it('gives two jobs of one dood class two different host paths', () => {
    // Act
    const first = buildRunnerPod(jobMessage({ jobId: 1 }), exampleRunnerClass('dood'), settings);
    const second = buildRunnerPod(jobMessage({ jobId: 2 }), exampleRunnerClass('dood'), settings);

    // Assess
    const hostPath = (pod: typeof first) => pod.spec?.volumes?.[0]?.hostPath?.path;
    expect(hostPath(first)).not.toBe(hostPath(second));
  });

  it('runs dind as a privileged native sidecar, so the pod completes when the runner exits', () => {
    // Act
    const pod = buildRunnerPod(job, exampleRunnerClass('dind'), settings);

    // Assess
    const sidecar = pod.spec?.initContainers?.find((container) => container.name === 'dockerd');
    expect(sidecar).toMatchObject({ restartPolicy: 'Always', securityContext: { privileged: true } });
    expect(pod.spec?.containers[0]?.securityContext?.privileged).toBeUndefined();
  });

  it('keeps names and label values within the limits of Kubernetes and GitHub', () => {
    // Prepare
    const longest = { ...exampleRunnerClass('none'), name: 'c'.repeat(40) };

    // Act
    const pod = buildRunnerPod(jobMessage({ jobId: Number.MAX_SAFE_INTEGER }), longest, settings);

    // Assess
    expect(pod.metadata?.name?.length).toBeLessThanOrEqual(63);
    expect(pod.metadata?.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    for (const value of Object.values(pod.metadata?.labels ?? {}))
      expect(value.length).toBeLessThanOrEqual(63);
  });

  it('in registration-token mode mounts the Secret in prepare-runner-root only, and hands the token over in memory', () => {
    // Act
    const pod = buildRunnerPod(job, exampleRunnerClass('none'), {
      ...settings,
      registrationMode: 'registration-token',
    });

    // Assess: the prepare container remains for the hand-over alone; it copies nothing.
    const [prepare] = pod.spec?.initContainers ?? [];
    const runner = pod.spec?.containers[0];
    expect(prepare?.command?.[2]).not.toContain('cp -a');
    const mountedVolumes = (container: typeof runner) => container?.volumeMounts?.map(({ name }) => name);
    expect(pod.spec?.volumes?.filter(({ secret }) => secret).map(({ name }) => name)).toEqual([
      'runner-secret',
    ]);
    expect(mountedVolumes(prepare)).toContain('runner-secret');
    expect(mountedVolumes(runner)).not.toContain('runner-secret');
    expect(pod.spec?.volumes).toContainEqual({
      name: 'registration-token',
      emptyDir: { medium: 'Memory', sizeLimit: '1Mi' },
    });
    expect(JSON.stringify(runner?.env)).not.toContain('secretKeyRef');
    expect(runner?.command?.join(' ')).toContain('./config.sh --unattended --ephemeral');
    expect(runner?.env).toContainEqual({ name: 'RUNNER_URL', value: 'https://github.com/acme' });
  });

  it("names its class's PriorityClass only when the class has a priority", () => {
    // Act
    const plain = buildRunnerPod(job, exampleRunnerClass('none'), settings);
    const urgent = buildRunnerPod(job, { ...exampleRunnerClass('none'), priority: -5 }, settings);

    // Assess
    expect(plain.spec).not.toHaveProperty('priorityClassName');
    expect(urgent.spec?.priorityClassName).toBe('eks-runner-autoscaler-linux-small-priority--5');
  });

  it("makes the replacement a message names under that pod's name, with the Secret to match", () => {
    // Act
    const pod = buildRunnerPod({ ...job, podName: 'linux-small-77' }, exampleRunnerClass('none'), settings);

    // Assess
    expect(pod.metadata?.name).toBe('linux-small-77');
    expect(pod.metadata?.labels?.['eks-runner-autoscaler.io/job-id']).toBe(String(job.jobId));
    const runner = pod.spec?.containers.find((container) => container.name === 'runner');
    expect(JSON.stringify(runner?.env)).toContain('"name":"linux-small-77-runner"');
  });

  it('is pure: the same job and class give the same pod', () => {
    expect(buildRunnerPod(job, exampleRunnerClass('dind'), settings)).toEqual(
      buildRunnerPod(job, exampleRunnerClass('dind'), settings),
    );
  });
});
