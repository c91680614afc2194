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
