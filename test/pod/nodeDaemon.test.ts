import type { V1DaemonSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildClusterPrerequisites } from '../../lib/cluster/buildClusterPrerequisites.ts';
import type { RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { buildRunnerPod, DOCKER_SOCKET_GROUP_ID } from '../../lib/pod/buildRunnerPod.ts';
import { exampleRunnerClass, jobMessage, testConfig } from '../helpers/factories.ts';

/** The example config's daemon and janitor: named after the docker pool's nodes and the socket. */
const DOCKERD = 'eks-runner-autoscaler-dockerd-e77021f844';
const JANITOR = 'eks-runner-autoscaler-janitor-e77021f844';

const settings = {
  namespace: 'github-runners',
  registrationMode: 'jit',
  registrationUrl: 'https://github.com/acme',
} as const;

describe('the node Docker daemon of dood classes', () => {
  it('gives the socket a group, and every dood runner pod joins that group', () => {
    // Prepare
    const config = testConfig();

    // Act
    const daemonSet = buildClusterPrerequisites(config).find(
      ({ kind }) => kind === 'DaemonSet',
    ) as V1DaemonSet;
    const pod = buildRunnerPod(jobMessage(), exampleRunnerClass('dood'), settings);

    // Assess
    const dockerd = daemonSet.spec?.template.spec?.containers.find(({ name }) => name === 'dockerd');
    expect(dockerd?.args).toContain(`--group=${DOCKER_SOCKET_GROUP_ID}`);
    expect(pod.spec?.securityContext?.supplementalGroups).toEqual([DOCKER_SOCKET_GROUP_ID]);
    expect(pod.spec?.containers[0]?.securityContext?.runAsUser).toBe(1001);
  });

  it.each(['none', 'dind'] as const)('adds no group to a %s runner pod, which has no node socket', (mode) => {
    // Act
    const pod = buildRunnerPod(jobMessage(), exampleRunnerClass(mode), settings);

    // Assess
    expect(pod.spec?.securityContext).toBeUndefined();
  });

  it.each([
    ['the runner image changes', (runnerClass: RunnerClass) => ({ ...runnerClass, image: 'runner:next' })],
    [
      'the dood class is renamed',
      (runnerClass: RunnerClass) => ({ ...runnerClass, name: `${runnerClass.name}-2` }),
    ],
  ])('stays as it is, under its name, when %s: only the janitor beside it may be rolled', (_, change) => {
    // Prepare
    const config = testConfig();
    const changed = { ...config, runnerClasses: config.runnerClasses.map(change) };
    const daemonSets = (objects: ReturnType<typeof buildClusterPrerequisites>) =>
      Object.fromEntries(
        objects.filter(({ kind }) => kind === 'DaemonSet').map((object) => [object.metadata?.name, object]),
      );

    // Act
    const before = daemonSets(buildClusterPrerequisites(config));
    const after = daemonSets(buildClusterPrerequisites(changed));

    // Assess
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(Object.keys(after)).toEqual([DOCKERD, JANITOR]);
    expect(after[DOCKERD]).toEqual(before[DOCKERD]);
  });

  it('keeps one daemon, named after its nodes and socket, when a dood class of the same placement comes or goes', () => {
    // Prepare
    const config = testConfig();
    const dood = config.runnerClasses.find(({ containerMode }) => containerMode === 'dood') as RunnerClass;
    const withSecond = {
      ...config,
      runnerClasses: [{ ...dood, name: 'docker-large' }, ...config.runnerClasses],
    };
    const elsewhere = {
      ...config,
      runnerClasses: [
        { ...dood, name: 'docker-pinned', nodeSelector: { 'kubernetes.io/hostname': 'node-5' } },
      ],
    };
    const names = (objects: ReturnType<typeof buildClusterPrerequisites>) =>
      objects.filter(({ kind }) => kind === 'DaemonSet').map(({ metadata }) => metadata.name);

    // Act, Assess
    expect(names(buildClusterPrerequisites(withSecond))).toEqual([DOCKERD, JANITOR]);
    const pinned = names(buildClusterPrerequisites(elsewhere));
    expect(pinned).toHaveLength(2);
    expect(pinned).not.toContain(DOCKERD);
    expect(pinned[0]).toMatch(/^eks-runner-autoscaler-dockerd-[0-9a-f]{10}$/);
  });
});
