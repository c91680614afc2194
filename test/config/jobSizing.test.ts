import { describe, expect, it } from 'vitest';
import { sizedRunnerClass } from '../../lib/config/jobSizing.ts';
import { runnerClassForLabels } from '../../lib/config/runnerClassForLabels.ts';
import { testConfig } from '../helpers/factories.ts';

const config = testConfig();
const small = config.runnerClasses.find(({ name }) => name === 'linux-small');
const docker = config.runnerClasses.find(({ name }) => name === 'linux-docker');
if (!small || !docker) throw new Error('the example config lost a class');

describe('a job asking for its size with labels', () => {
  it('gets requests and limits as asked, and a runner registered with exactly its labels', () => {
    // Act: GitHub's labels are case-insensitive, so the job may write Gi as gi.
    const sized = sizedRunnerClass(small, ['self-hosted', 'linux', 'small', 'cpu=4', 'memory=16gi']);

    // Assess
    expect(sized).toMatchObject({
      runnerClass: {
        name: 'linux-small',
        labels: ['linux', 'small', 'cpu=4', 'memory=16gi'],
        resources: { requests: { cpu: '4', memory: '16Gi' }, limits: { cpu: '4', memory: '16Gi' } },
      },
    });
  });

  it('keeps the class resources for what the job does not ask for, and its runner as it is without size labels', () => {
    const cpuOnly = sizedRunnerClass(small, ['linux', 'cpu=2']);
    expect(cpuOnly).toMatchObject({
      runnerClass: {
        resources: { requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      },
    });
    expect(sizedRunnerClass(small, ['linux', 'small'])).toEqual({ runnerClass: small });
  });

  it('sets limits that multiple of the requests the class says', () => {
    const generous = { ...small, sizing: { maxCpu: '8', maxMemory: '32Gi', limitsToRequests: 1.5 } };
    const sized = sizedRunnerClass(generous, ['linux', 'cpu=500m', 'memory=2Gi']);
    expect(sized).toMatchObject({
      runnerClass: {
        resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '750m', memory: '3072Mi' } },
      },
    });
  });

  it.each([
    [['cpu=16'], 'class linux-small allows no cpu of 16: at most 8'],
    [['cpu=3'], 'class linux-small allows no cpu of 3: one of 1, 2, 4, 8'],
    [['memory=64Gi'], 'class linux-small allows no memory of 64Gi: at most 32Gi'],
    [['memory=0Mi'], 'class linux-small allows no memory of 0Mi'],
    [['cpu=lots'], '"cpu=lots" is not a CPU size such as cpu=4 or cpu=500m'],
    [['memory=16G'], '"memory=16G" is not a memory size such as memory=16Gi or memory=512Mi'],
    [['cpu=1', 'CPU=2'], 'the job asks for its cpu twice'],
  ])('refuses %j: %s', (sizeLabels, reason) => {
    expect(sizedRunnerClass(small, ['linux', ...sizeLabels])).toEqual({ refused: reason });
  });

  it('is served only by a class with sizing, which no other label of the job may miss', () => {
    expect(runnerClassForLabels(['linux', 'small', 'cpu=4'], config.runnerClasses)?.name).toBe('linux-small');
    expect(runnerClassForLabels(['linux', 'docker', 'cpu=4'], config.runnerClasses)).toBeUndefined();
    expect(sizedRunnerClass(docker, ['linux', 'docker', 'cpu=4'])).toEqual({
      refused: 'class linux-docker does not size runners by label',
    });
  });
});
