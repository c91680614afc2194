import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_ROOT_PARENT } from '../../lib/pod/buildRunnerPod.ts';
import { runJanitorOnce, startedLongAgo, untilRootUnlocked } from './realNodeJanitor.ts';
import { REAL_NODE } from './realNodeNames.ts';
import {
  applyPrerequisites,
  deleteAtOnce,
  finishedRunner,
  type PodChange,
  REAL_NODE_NAMESPACE,
  realNodeConfig,
  standInJob,
  startRunnerPod,
  untilLogged,
} from './realNodePods.ts';

/**
 * The seed's story (../shared/FIELD-NOTES.md): two dood runners on one node share its Docker daemon.
 * The first job writes its name into its workspace and reads it back a while later; the second
 * starts meanwhile and writes its own.
 */
const config = realNodeConfig('dood');
const firstJob = 'echo job-A > /__w/owner; sleep 12; echo "owner is $(cat /__w/owner)"';
const secondJob = 'echo job-B > /__w/owner; echo "owner is $(cat /__w/owner)"';

/** The control: the runner runs from the image's own folder, as the seed's pods did, not a root of its own. */
const sharedRootAsInTheSeed: PodChange = (pod) => {
  const runner = pod.spec?.containers.find(({ name }) => name === 'runner');
  if (!runner?.env) throw new Error('no runner container');
  runner.workingDir = '/home/runner';
  runner.env = runner.env.map((variable) =>
    variable.name === 'RUNNER_ROOT' ? { ...variable, value: '/home/runner' } : variable,
  );
};

async function twoOverlappingJobs(labelRule: 'root-path' | 'runner-file', ...changes: PodChange[]) {
  const image = REAL_NODE.images.busybox;
  const first = await startRunnerPod(config, [
    standInJob({ image, labelRule, script: firstJob }),
    ...changes,
  ]);
  const firstJobContainer = (
    await untilLogged(REAL_NODE_NAMESPACE, first, /job container (\w+) started/)
  ).match(/job container (\w+) started/)?.[1];
  const second = await startRunnerPod(config, [
    standInJob({ image, labelRule, script: secondJob }),
    ...changes,
  ]);
  return {
    names: [first, second],
    firstJobContainer,
    first: await finishedRunner(REAL_NODE_NAMESPACE, first),
    second: await finishedRunner(REAL_NODE_NAMESPACE, second),
  };
}

describe('two dood runners sharing the node Docker daemon', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await applyPrerequisites(config);
  }, 60_000);

  it('reproduces the seed: with one root path, the second runner kills the first job container (137)', async () => {
    // Act
    const jobs = await twoOverlappingJobs('root-path', sharedRootAsInTheSeed);

    // Assess
    expect(jobs.second.log).toContain(`removed stale container ${jobs.firstJobContainer}`);
    expect(jobs.first.log).toContain('step exited 137');
    expect(jobs.first.exitCode).toBe(137);
  });

  it('reproduces the other half: with one root path and distinct labels (2.310+), the jobs share a workspace', async () => {
    // Act
    const jobs = await twoOverlappingJobs('runner-file', sharedRootAsInTheSeed);

    // Assess
    expect(jobs.second.log).not.toContain('removed stale container');
    expect(jobs.first.log).toContain('owner is job-B');
  });

  it.each(['root-path', 'runner-file'] as const)(
    'prevents both with our pods (label rule %s): no job touches the other, each sees its own workspace',
    async (labelRule) => {
      // Act
      const jobs = await twoOverlappingJobs(labelRule);

      // Assess
      expect(jobs.second.log).not.toContain('removed stale container');
      expect(jobs.first.log).toContain('owner is job-A');
      expect(jobs.second.log).toContain('owner is job-B');
      expect([jobs.first.exitCode, jobs.second.exitCode]).toEqual([0, 0]);
      // The node's daemon resolved the workspace at the very path the pod has it: on this machine.
      const [first, second] = jobs.names;
      expect(readFileSync(`${RUNNER_ROOT_PARENT}/${first}/_work/owner`, 'utf8')).toBe('job-A\n');
      expect(readFileSync(`${RUNNER_ROOT_PARENT}/${second}/_work/owner`, 'utf8')).toBe('job-B\n');
    },
  );

  it.each(['root-path', 'runner-file'] as const)(
    'a runner killed mid-job (label rule %s) leaves nothing once the janitor has run, and a live runner keeps its containers',
    async (labelRule) => {
      // Prepare: two runners in a job with a service, on the shared daemon; both started "long ago",
      // so that only the live one's lock keeps the janitor from its root and containers.
      const image = REAL_NODE.images.busybox;
      const job = standInJob({ image, services: [image], labelRule, script: 'sleep 600' });
      const [killed, live] = [await startRunnerPod(config, [job]), await startRunnerPod(config, [job])];
      const started = /container label (\w+),[\s\S]*job container (\w+) started/;
      const [, killedLabel, killedJob] =
        (await untilLogged(REAL_NODE_NAMESPACE, killed, started)).match(started) ?? [];
      const [, liveLabel, liveJob] =
        (await untilLogged(REAL_NODE_NAMESPACE, live, started)).match(started) ?? [];
      expect(killedLabel).not.toBe(liveLabel);

      // Act: the runner gets no chance to stop its containers (the stand-in ignores SIGTERM).
      await deleteAtOnce(killed);
      await untilRootUnlocked(killed);
      for (const name of [killed, live]) startedLongAgo(name);
      const log = await runJanitorOnce(config);

      // Assess
      expect(log).toContain(`removed container ${killedJob} of runner root ${RUNNER_ROOT_PARENT}/${killed}`);
      expect(log).toContain(`removed runner root ${RUNNER_ROOT_PARENT}/${killed}`);
      expect(nodeDocker('ps', '--all', '--quiet', '--no-trunc', '--filter', `label=${killedLabel}`)).toBe('');
      expect(nodeDocker('network', 'ls', '--quiet', '--filter', `label=${killedLabel}`)).toBe('');
      expect(existsSync(`${RUNNER_ROOT_PARENT}/${killed}`)).toBe(false);
      expect(
        nodeDocker('ps', '--quiet', '--no-trunc', '--filter', `label=${liveLabel}`).split('\n'),
      ).toHaveLength(2);
      expect(nodeDocker('ps', '--quiet', '--no-trunc')).toContain(liveJob);
      expect(existsSync(`${RUNNER_ROOT_PARENT}/${live}/_work`)).toBe(true);

      // Then the live one is killed too, and goes the same way.
      await deleteAtOnce(live);
      await untilRootUnlocked(live);
      await runJanitorOnce(config);
      expect(nodeDocker('ps', '--all', '--quiet', '--filter', `label=${liveLabel}`)).toBe('');
    },
  );
});

/** The docker CLI on the node's shared daemon, as the runners reach it. */
function nodeDocker(...args: string[]): string {
  const socket = config.runnerClasses[0]?.dockerSocketPath;
  return execFileSync('docker', ['--host', `unix://${socket}`, ...args], { encoding: 'utf8' }).trim();
}
