import type { V1DaemonSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildClusterPrerequisites } from '../../lib/cluster/buildClusterPrerequisites.ts';
import { buildRunnerPod, DOCKER_SOCKET_GROUP_ID } from '../../lib/pod/buildRunnerPod.ts';
import { exampleRunnerClass, jobMessage, testConfig } from '../helpers/factories.ts';

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

  it('stays as it is when the runner image changes: only the janitor beside it is rolled', () => {
    // Prepare
    const config = testConfig();
    const newImage = {
      ...config,
      runnerClasses: config.runnerClasses.map((runnerClass) => ({ ...runnerClass, image: 'runner:next' })),
    };
    const daemonSets = (objects: ReturnType<typeof buildClusterPrerequisites>) =>
      Object.fromEntries(
        objects.filter(({ kind }) => kind === 'DaemonSet').map((object) => [object.metadata?.name, object]),
      );

    // Act
    const before = daemonSets(buildClusterPrerequisites(config));
    const after = daemonSets(buildClusterPrerequisites(newImage));

    // Assess
    expect(Object.keys(after)).toEqual([
      'eks-runner-autoscaler-dockerd-linux-docker',
      'eks-runner-autoscaler-janitor-linux-docker',
    ]);
    expect(after['eks-runner-autoscaler-dockerd-linux-docker']).toEqual(
      before['eks-runner-autoscaler-dockerd-linux-docker'],
    );
    expect(after['eks-runner-autoscaler-janitor-linux-docker']).not.toEqual(
      before['eks-runner-autoscaler-janitor-linux-docker'],
    );
  });
});
