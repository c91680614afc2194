import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { buildRunnerPod } from '../../lib/pod/buildRunnerPod.ts';
import { jobMessage, testConfig } from '../helpers/factories.ts';

/** The runner container's preStop hook, exactly as buildRunnerPod makes it, for a 23 s grace period. */
const [template] = testConfig().runnerClasses;
if (!template) throw new Error('no runner class in the example config');
const runnerClass: RunnerClass = { ...template, terminationGracePeriodSeconds: 23 };
const pod = buildRunnerPod(jobMessage(), runnerClass, {
  namespace: 'runners',
  registrationMode: 'jit',
  registrationUrl: '',
});
const preStop = pod.spec?.containers[0]?.lifecycle?.preStop?.exec?.command ?? [];

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(file: string, args: string[]): ChildProcess {
  const child = spawn(file, args, { stdio: 'ignore' });
  started.push(child);
  return child;
}

/** A process whose command line names Runner.Worker, as the runner's job process does. */
function startJob(): ChildProcess {
  const worker = join(mkdtempSync(join(tmpdir(), 'runner-bin-')), 'Runner.Worker');
  copyFileSync('/bin/sleep', worker);
  return run(worker, ['60']);
}

const exited = (child: ChildProcess, withinMs: number) =>
  new Promise<boolean>((resolve) => {
    if (child.exitCode !== null) return resolve(true);
    const timer = setTimeout(() => resolve(false), withinMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

describe("the runner's preStop hook", () => {
  it('returns at once when no job runs', async () => {
    const hook = run(preStop[0] as string, preStop.slice(1));
    expect(await exited(hook, 5000)).toBe(true);
    expect(hook.exitCode).toBe(0);
  });

  it('waits while a job runs, and returns once it has ended', async () => {
    // Prepare
    const job = startJob();
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Act
    const hook = run(preStop[0] as string, preStop.slice(1));

    // Assess: still waiting after 1.5 s of the 3 s it may wait; done soon after the job ends.
    expect(await exited(hook, 1500)).toBe(false);
    job.kill('SIGKILL');
    expect(await exited(hook, 3000)).toBe(true);
  });

  it('stops waiting for all but the last 20 s of the grace period, leaving those to cancel the job', async () => {
    // Prepare
    startJob();
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Act
    const hook = run(preStop[0] as string, preStop.slice(1));

    // Assess: a 23 s grace period leaves 3 s of waiting.
    expect(await exited(hook, 8000)).toBe(true);
  });
});
