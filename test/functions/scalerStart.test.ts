import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lib/environment.ts';
import { testConfig } from '../helpers/factories.ts';
import { localAwsEnvironment } from '../helpers/localAws.ts';

const run = promisify(execFile);

/** Every module a fresh Node process loads to start the scaler function, as Lambda's init does. */
async function modulesLoadedAtStart(): Promise<string[]> {
  const entry = pathToFileURL(resolve('functions/scaler.ts')).href;
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load: (url, context, next) => (loaded.push(url), next(url, context)) });
    await import(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify(loaded));`;
  const { stdout } = await run('node_modules/.bin/node', ['--input-type=module', '-e', script], {
    env: {
      ...process.env,
      ...localAwsEnvironment({ sqs: 'http://127.0.0.1:1' }),
      [ENV.config]: JSON.stringify(testConfig()),
      [ENV.jobQueueUrl]: 'http://127.0.0.1:1/000000000000/jobs',
      [ENV.deadLetterQueueUrl]: 'http://127.0.0.1:1/000000000000/dead-letters',
      [ENV.privateKeySecretArn]: 'private-key',
    },
  });
  return JSON.parse(stdout) as string[];
}

describe('the scaler function at its start', () => {
  it('loads the Kubernetes client, octokit and no AWS SDK client only when a record needs them', {
    timeout: 60_000,
  }, async () => {
    // Act
    const loaded = await modulesLoadedAtStart();

    // Assess
    expect(loaded).toContainEqual(expect.stringMatching(/\/lib\/scaler\/createScalerHandler\.ts$/));
    expect(loaded).toContainEqual(expect.stringMatching(/\/lib\/adapters\/kubernetesRunnerCluster\.ts$/));
    const heavy = loaded.filter((url) =>
      /\/@kubernetes\/client-node\/dist\/(index|config|gen\/models|gen\/apis\/CoreV1Api)|\/undici\/|\/@octokit\/|\/@aws-sdk\/client-/.test(
        url,
      ),
    );
    expect(heavy).toEqual([]);
  });
});
