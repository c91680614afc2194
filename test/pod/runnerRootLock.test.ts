import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JANITOR_SCRIPT } from '../../lib/cluster/runnerRootJanitor.ts';
import { buildRunnerPod } from '../../lib/pod/buildRunnerPod.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';

/** The dood runner container's command, exactly as buildRunnerPod makes it. */
const docker = testConfig().runnerClasses.find(({ containerMode }) => containerMode === 'dood');
if (!docker) throw new Error('no dood class');
const pod = buildRunnerPod(jobMessage(), docker, {
  namespace: 'runners',
  registrationMode: 'jit',
  registrationUrl: 'https://github.com/acme',
});
const runnerCommand = pod.spec?.containers[0]?.command ?? [];

const runners: ChildProcess[] = [];
/** Kills every process of a runner at once, as the kernel does to a container that is OOM-killed. */
const killContainer = (runner: ChildProcess) => process.kill(-(runner.pid as number), 'SIGKILL');
afterEach(() => {
  for (const runner of runners.splice(0))
    if (runner.exitCode === null && runner.signalCode === null) killContainer(runner);
});

/** A runner root on a "node" (a temporary folder), with a run.sh that keeps running. */
function runnerRoot(parent: string, name: string): string {
  const root = join(parent, name);
  mkdirSync(root);
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\nsleep 60\n');
  chmodSync(join(root, 'run.sh'), 0o755);
  return root;
}

/** Starts the runner as the container would, and waits until it holds its lock. */
async function startRunner(root: string): Promise<ChildProcess> {
  const [file, ...args] = runnerCommand;
  const runner = spawn(file as string, args, {
    cwd: root,
    env: { ...process.env, RUNNER_ROOT: root },
    detached: true,
  });
  runners.push(runner);
  const deadline = Date.now() + 5000;
  while (!isLocked(join(root, '.alive'))) {
    if (Date.now() > deadline) throw new Error('the runner never took its lock');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return runner;
}

function isLocked(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    execFileSync('flock', ['-n', file, 'true']);
    return false;
  } catch {
    return true;
  }
}

const startedMinutesAgo = (root: string, minutes: number) =>
  execFileSync('touch', ['-d', `${minutes} minutes ago`, join(root, '.alive')]);

/**
 * A docker CLI on the janitor's PATH that answers `ps --filter label=L` from `containers` (label →
 * IDs) and records every call; with `failing` set, every call fails as with a daemon that is down.
 * The janitor with the node's real daemon is tested in realNodeSharedDaemon.test.ts.
 */
function fakeDocker(
  containers: Record<string, string[]>,
  failing = false,
): { bin: string; calls: () => string[] } {
  const bin = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  const log = join(bin, 'calls');
  const listing = Object.entries(containers)
    .map(([label, ids]) => `label=${label}) echo ${ids.join(' ')} ;;`)
    .join('\n    ');
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/sh\necho "$*" >> '${log}'\n${failing ? 'exit 1\n' : ''}if [ "$1" = ps ]; then\n  case "$6" in\n    ${listing}\n  esac\nfi\n`,
  );
  chmodSync(join(bin, 'docker'), 0o755);
  return { bin, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

function runJanitorOnce(parent: string, docker = fakeDocker({})): string {
  return execFileSync('sh', ['-c', JANITOR_SCRIPT], {
    env: {
      ...process.env,
      PATH: `${docker.bin}:${process.env.PATH}`,
      RUNNER_ROOTS: parent,
      IDLE_MINUTES: '10',
      INTERVAL_SECONDS: '1',
      ONCE: '1',
    },
  }).toString();
}

/** The runner's container label (DockerCommandManager.cs): SHA-256 of the lowercased text, 6 hex digits. */
const labelOf = (text: string) => createHash('sha256').update(text.toLowerCase()).digest('hex').slice(0, 6);

describe('runner roots on a dood node', () => {
  it('wraps the dood runner in its root lock', () => {
    expect(runnerCommand.slice(0, 2)).toEqual(['sh', '-c']);
    expect(runnerCommand.slice(3)).toEqual(['runner', './run.sh']);
  });

  it('passes a SIGTERM to the runner itself, which holds the lock as the first process', async () => {
    // Prepare: a run.sh that, as the real one with RUNNER_MANUALLY_TRAP_SIG, handles SIGTERM.
    const root = runnerRoot(mkdtempSync(join(tmpdir(), 'runner-roots-')), 'linux-docker-6');
    writeFileSync(
      join(root, 'run.sh'),
      '#!/bin/sh\ntrap \'echo cancelled > "$RUNNER_ROOT/signalled"; exit 0\' TERM\ntouch "$RUNNER_ROOT/trapping"\nwhile :; do sleep 0.1; done\n',
    );
    const runner = await startRunner(root);
    // The lock is taken before run.sh runs: signalled before its trap, a shell just dies.
    while (!existsSync(join(root, 'trapping'))) await new Promise((resolve) => setTimeout(resolve, 20));

    // Act
    runner.kill('SIGTERM');
    await new Promise((resolve) => runner.once('exit', resolve));

    // Assess
    expect(readFileSync(join(root, 'signalled'), 'utf8').trim()).toBe('cancelled');
    expect(runner.exitCode).toBe(0);
  });

  it('removes the root of a runner that is gone, killed or finished, and keeps every other', async () => {
    // Prepare: a running runner, one SIGKILLed (as an OOM kill does), a finished one, one just
    // finished, and a root whose image had no flock (no .alive at all).
    const parent = mkdtempSync(join(tmpdir(), 'runner-roots-'));
    const running = runnerRoot(parent, 'linux-docker-1');
    const killed = runnerRoot(parent, 'linux-docker-2');
    const finished = runnerRoot(parent, 'linux-docker-3');
    const justFinished = runnerRoot(parent, 'linux-docker-4');
    const unlocked = runnerRoot(parent, 'linux-docker-5');
    await startRunner(running);
    const victim = await startRunner(killed);
    for (const root of [running, killed]) startedMinutesAgo(root, 20);
    writeFileSync(join(finished, '.alive'), '');
    startedMinutesAgo(finished, 20);
    writeFileSync(join(justFinished, '.alive'), '');

    // Act
    killContainer(victim);
    await new Promise((resolve) => victim.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const output = runJanitorOnce(parent);

    // Assess
    expect(existsSync(running)).toBe(true);
    expect(existsSync(killed)).toBe(false);
    expect(existsSync(finished)).toBe(false);
    expect(existsSync(justFinished)).toBe(true);
    expect(existsSync(unlocked)).toBe(true);
    expect(output.trim().split('\n').sort()).toEqual([
      `removed runner root ${killed}`,
      `removed runner root ${finished}`,
    ]);
  });

  it('removes the containers and networks a killed runner left, by both of its labels, before its root', () => {
    // Prepare: a root whose runner was killed mid-job, with a .runner (runner 2.310+) and an older
    // root-path label; and a live runner's root whose containers must stay.
    const parent = mkdtempSync(join(tmpdir(), 'runner-roots-'));
    const killed = runnerRoot(parent, 'linux-docker-7');
    const runnerFile = '{"agentName":"linux-docker-7","workFolder":"_work"}';
    writeFileSync(join(killed, '.runner'), runnerFile);
    writeFileSync(join(killed, '.alive'), '');
    startedMinutesAgo(killed, 20);
    const docker = fakeDocker({
      [labelOf(runnerFile)]: ['job1', 'service1'],
      [labelOf(killed)]: ['job0'],
      other: ['live-job'],
    });

    // Act
    const output = runJanitorOnce(parent, docker);

    // Assess
    expect(docker.calls().filter((call) => call.startsWith('rm'))).toEqual([
      'rm --force job0',
      'rm --force job1',
      'rm --force service1',
    ]);
    expect(docker.calls()).toContain(`network prune --force --filter label=${labelOf(runnerFile)}`);
    expect(docker.calls()).toContain(`network prune --force --filter label=${labelOf(killed)}`);
    expect(output).toContain(`removed container job1 of runner root ${killed}`);
    expect(output).toContain(`removed runner root ${killed}`);
    expect(existsSync(killed)).toBe(false);
  });

  it('keeps a dead runner root, and says so, while the Docker daemon cannot remove its containers', () => {
    // Prepare
    const parent = mkdtempSync(join(tmpdir(), 'runner-roots-'));
    const killed = runnerRoot(parent, 'linux-docker-8');
    writeFileSync(join(killed, '.runner'), '{}');
    writeFileSync(join(killed, '.alive'), '');
    startedMinutesAgo(killed, 20);

    // Act
    const janitor = spawnSync('sh', ['-c', JANITOR_SCRIPT], {
      env: {
        ...process.env,
        PATH: `${fakeDocker({}, true).bin}:${process.env.PATH}`,
        RUNNER_ROOTS: parent,
        IDLE_MINUTES: '10',
        INTERVAL_SECONDS: '1',
        ONCE: '1',
      },
      encoding: 'utf8',
    });

    // Assess: the next pass tries again, with the labels still to be read.
    expect(janitor.stderr).toContain(`kept runner root ${killed}: its containers could not be removed`);
    expect(readFileSync(join(killed, '.runner'), 'utf8')).toBe('{}');
    expect(janitor.status).toBe(0);
  });
});
