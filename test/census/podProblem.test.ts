import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podProblem } from '../../lib/pod/podProblem.ts';
import type { PodProblem } from '../../lib/telemetry/metricCatalog.ts';

const waitingFor = (reason: string, init = false): V1Pod['status'] => ({
  phase: 'Pending',
  [init ? 'initContainerStatuses' : 'containerStatuses']: [
    {
      name: 'runner',
      image: 'runner',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { waiting: { reason } },
    },
  ],
});

const terminatedWith = (reason: string): V1Pod['status'] => ({
  phase: 'Failed',
  containerStatuses: [
    {
      name: 'runner',
      image: 'runner',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { terminated: { reason, exitCode: 137 } },
    },
  ],
});

const cases: [string, V1Pod['status'], PodProblem | undefined][] = [
  ['a running pod', { phase: 'Running' }, undefined],
  ['a pod that finished its job', { phase: 'Succeeded' }, undefined],
  ['a pod still being scheduled', { phase: 'Pending' }, undefined],
  ['an image that cannot be pulled', waitingFor('ImagePullBackOff'), 'image-pull'],
  ['an init image that cannot be pulled', waitingFor('ErrImagePull', true), 'image-pull'],
  ['a missing Secret', waitingFor('CreateContainerConfigError'), 'config-error'],
  ['a crashing runner', waitingFor('CrashLoopBackOff'), 'crash-loop'],
  [
    'no node with room',
    {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
    },
    'unschedulable',
  ],
  ['an eviction', { phase: 'Failed', reason: 'Evicted' }, 'evicted'],
  ['an OOM kill', terminatedWith('OOMKilled'), 'oom-killed'],
  ['any other failure', terminatedWith('Error'), 'failed'],
];

describe('podProblem', () => {
  it.each(cases)('reads %s as %s', (_, status, problem) => {
    expect(podProblem({ status })).toBe(problem);
  });
});

/** A dind pod whose dockerd sidecar is down between restarts, as a real kubelet reports it. */
const sidecarDown = (reason: string, restartCount: number, pod: Partial<V1Pod> = {}): V1Pod => ({
  metadata: pod.metadata ?? {},
  spec: {
    initContainers: [
      { name: 'prepare-runner-root', image: 'runner' },
      { name: 'dockerd', image: 'docker:28-dind', restartPolicy: 'Always' },
    ],
    containers: [{ name: 'runner', image: 'runner' }],
  },
  status: {
    phase: 'Pending',
    initContainerStatuses: [
      {
        name: 'prepare-runner-root',
        image: 'runner',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { reason: 'Completed', exitCode: 0 } },
      },
      {
        name: 'dockerd',
        image: 'docker:28-dind',
        imageID: '',
        ready: false,
        restartCount,
        state: { terminated: { reason, exitCode: 128 } },
      },
    ],
    ...pod.status,
  },
});

describe('podProblem of a dind sidecar that is down', () => {
  it.each([
    ['cannot start (no dockerd in the image)', 'StartError', 'config-error'],
    ['keeps exiting', 'Error', 'crash-loop'],
    ['is killed for memory again and again', 'OOMKilled', 'oom-killed'],
  ] as const)('reads a sidecar that %s as %s', (_, reason, problem) => {
    expect(podProblem(sidecarDown(reason, 2))).toBe(problem);
  });

  it('reads nothing into a sidecar not yet restarted, one stopped as its pod is deleted, or one of a finished pod', () => {
    expect(podProblem(sidecarDown('Error', 0))).toBeUndefined();
    expect(
      podProblem(sidecarDown('Error', 2, { metadata: { deletionTimestamp: new Date() } })),
    ).toBeUndefined();
    expect(podProblem(sidecarDown('Error', 2, { status: { phase: 'Succeeded' } }))).toBeUndefined();
  });
});
