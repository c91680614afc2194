import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { synth } from '../helpers/synthStack.ts';

const run = promisify(execFile);

type Finding = { Level: 'Error' | 'Warning' | 'Informational'; Rule: { Id: string }; Message: string };

describe('cfn-lint', () => {
  it('finds no errors in the template of the example config', { timeout: 300_000 }, async () => {
    // Prepare
    const { stdout: installed } = await run('bash', ['test/infra/install-cfn-lint.sh']);
    const { app, stack } = synth();
    const template = app.synth().getStackByName(stack.stackName).templateFullPath;

    // Act
    // cfn-lint exits non-zero for any finding, warnings too; the JSON says which are errors.
    const { stdout } = await run(installed.trim(), ['--format', 'json', '--', template]).catch(
      (failure: { stdout?: string }) => ({ stdout: failure.stdout ?? '' }),
    );

    // Assess
    const findings = JSON.parse(stdout) as Finding[];
    const errors = findings.filter(({ Level }) => Level === 'Error');
    expect(errors.map(({ Rule, Message }) => `${Rule.Id}: ${Message}`)).toEqual([]);
  });
});
