import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npx cdk synth', () => {
  it('synthesizes the example config offline, bundling every function with the local esbuild', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, AWS_PROFILE: _p, ...environment } = process.env;

    // Act
    const { stderr } = await run('node_modules/.bin/cdk', ['synth', '--quiet', '--output', out], {
      env: { ...environment, CDK_DISABLE_VERSION_CHECK: 'true' },
    });

    // Assess
    expect(stderr).not.toMatch(/AwsSolutions-/);
    const template = JSON.parse(readFileSync(join(out, 'EksRunnerAutoscaler.template.json'), 'utf8'));
    const functions = Object.values(
      template.Resources as Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>,
    ).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(5);
    for (const fn of functions) {
      const asset = String(fn.Properties.Code?.S3Key).replace('.zip', '');
      expect(statSync(join(out, `asset.${asset}`, 'index.mjs')).size).toBeGreaterThan(10_000);
    }
  });

  it('refuses a broken config with the field named and exit code 2', { timeout: 60_000 }, async () => {
    // Act
    const failure = await run(
      'node_modules/.bin/cdk',
      ['synth', '--quiet', '-c', 'autoscalerConfig=package.json'],
      {
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
      },
    ).catch((error: { stderr: string }) => error);

    // Assess
    expect((failure as { stderr: string }).stderr).toMatch(
      /package\.json is invalid:[\s\S]*github: is required/,
    );
  });
});
