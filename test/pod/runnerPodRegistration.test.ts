import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubSettings, RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { buildRunnerPod } from '../../lib/pod/buildRunnerPod.ts';
import { buildRunnerSecret } from '../../lib/pod/buildRunnerSecret.ts';
import type { RunnerRegistration } from '../../lib/ports.ts';
import { exampleRunnerClass, jobMessage } from '../helpers/factories.ts';
import { PodSandbox } from '../helpers/podSandbox.ts';

const TOKEN = 'AAQTOKEN4REGISTERINGRUNNERS';
const JIT_CONFIG = Buffer.from('{".runner":"e30="}').toString('base64');

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/**
 * A runner pod in a sandbox, with stubs of the image's config.sh and run.sh. config.sh records its
 * arguments; run.sh records all a job could read once the runner runs: its environment, its own
 * /proc environ and cmdline (it is what the container's first process has become by then), and
 * every file in the runner container's mounts. The records go outside the pod's folders.
 */
function runnerPodWithStubs(
  runnerClass: RunnerClass,
  registrationMode: GitHubSettings['registrationMode'],
  registration: RunnerRegistration,
) {
  const pod = buildRunnerPod(jobMessage({ runnerClass: runnerClass.name }), runnerClass, {
    namespace: 'github-runners',
    registrationMode,
    registrationUrl: 'https://github.com/acme',
  });
  const podRef = {
    name: pod.metadata?.name ?? '',
    uid: 'uid-1',
    namespace: 'github-runners',
    runnerClassName: runnerClass.name,
  };
  const sandbox = new PodSandbox(pod, buildRunnerSecret(podRef, registration), [runnerClass.runnerHome]);
  const records = mkdtempSync(join(tmpdir(), 'runner-stub-records-'));
  folders.push(sandbox.root, records);
  const mounts = sandbox
    .mountedPaths('runner')
    .map((path) => `'${path}'`)
    .join(' ');
  const home = sandbox.imagePath(runnerClass.runnerHome);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'config.sh'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${records}/config.sh-args'\n`);
  writeFileSync(
    join(home, 'run.sh'),
    `#!/bin/sh
{
  echo '# environment'; env
  echo '# /proc environ'; tr '\\0' '\\n' < /proc/$$/environ
  echo '# /proc cmdline'; tr '\\0' ' ' < /proc/$$/cmdline
  echo '# files in the mounts'; find -L ${mounts} -type f -exec cat {} +
} > '${records}/seen-by-run.sh' 2>&1
`,
  );
  for (const stub of ['config.sh', 'run.sh']) chmodSync(join(home, stub), 0o755);
  return {
    sandbox,
    configShArguments: () => readFileSync(join(records, 'config.sh-args'), 'utf8').trim().split('\n'),
    configShRan: () => existsSync(join(records, 'config.sh-args')),
    seenByRunSh: () => readFileSync(join(records, 'seen-by-run.sh'), 'utf8'),
  };
}

/** Starts the pod: prepare-runner-root if it has one, then the runner, as the kubelet does. */
function startPod(sandbox: PodSandbox) {
  // The sandbox runs every container as the test's user, which may chown only to itself.
  const prepared = sandbox.hasContainer('prepare-runner-root')
    ? sandbox.run('prepare-runner-root', { RUNNER_UID: String(process.getuid?.()) })
    : { status: 0, output: 'no prepare-runner-root' };
  const runner = sandbox.run('runner');
  return { prepared, runner };
}

describe('how a runner takes its registration, run in a shell', () => {
  it.each(['none', 'dood', 'dind'] as const)(
    'in %s mode hands the registration token to config.sh, and leaves it nowhere run.sh can read',
    (containerMode) => {
      // Prepare
      const stubs = runnerPodWithStubs(exampleRunnerClass(containerMode), 'registration-token', {
        kind: 'registration-token',
        token: TOKEN,
      });

      // Act
      const { prepared, runner } = startPod(stubs.sandbox);

      // Assess
      expect(prepared, prepared.output).toMatchObject({ status: 0 });
      expect(runner, runner.output).toMatchObject({ status: 0 });
      const configSh = stubs.configShArguments();
      expect(configSh[configSh.indexOf('--token') + 1]).toBe(TOKEN);
      const seen = stubs.seenByRunSh();
      expect(seen).toContain('RUNNER_NAME=');
      // The runner's copy (config.sh among it) is in its mounts in the modes that copy it.
      expect(seen.includes('printf \'%s\\n\' "$@"')).toBe(containerMode !== 'none');
      expect(seen).not.toContain(TOKEN);
    },
  );

  it('hands a JIT config to run.sh in its environment, the one way the runner takes it', () => {
    // Prepare
    const stubs = runnerPodWithStubs(exampleRunnerClass('none'), 'jit', {
      kind: 'jit',
      runnerId: 1,
      encodedJitConfig: JIT_CONFIG,
    });

    // Act
    const { prepared, runner } = startPod(stubs.sandbox);

    // Assess: in none mode nothing is copied, so the pod starts with the runner itself.
    expect(prepared.output).toBe('no prepare-runner-root');
    expect(runner, runner.output).toMatchObject({ status: 0 });
    expect(stubs.configShRan()).toBe(false);
    expect(stubs.seenByRunSh()).toContain(`ACTIONS_RUNNER_INPUT_JITCONFIG=${JIT_CONFIG}\n`);
  });
});
