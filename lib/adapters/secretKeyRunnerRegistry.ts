import type { GitHubSettings } from '../config/autoscalerConfig.ts';
import { AutoscalerError } from '../errors.ts';
import type { Metrics, RunnerRegistry } from '../ports.ts';
import { GitHubRunnerRegistry } from './githubRunnerRegistry.ts';
import { readSecretString } from './secretsManager.ts';

/**
 * The GitHub registry of a function whose App private key is in Secrets Manager. The key is read on
 * first use, and again after a failed read, so an empty secret fails records (which are retried),
 * not the function's start.
 */
export function secretKeyRunnerRegistry(options: {
  github: GitHubSettings;
  privateKeySecretArn: string;
  metrics: Metrics;
}): RunnerRegistry {
  let registry: Promise<RunnerRegistry> | undefined;
  const get = () => {
    registry ??= loadPrivateKey(options.privateKeySecretArn).then(
      (privateKey) =>
        new GitHubRunnerRegistry({ github: options.github, privateKey, metrics: options.metrics }),
    );
    registry.catch(() => {
      registry = undefined;
    });
    return registry;
  };
  return {
    register: async (request) => (await get()).register(request),
    runnerState: async (runner) => (await get()).runnerState(runner),
    deregister: async (runner) => (await get()).deregister(runner),
    jobStatus: async (job) => (await get()).jobStatus(job),
  };
}

async function loadPrivateKey(secretArn: string): Promise<string> {
  const privateKey = await readSecretString(secretArn);
  if (!privateKey?.includes('PRIVATE KEY')) {
    throw new AutoscalerError(
      `secret ${secretArn} holds no PEM private key: store the GitHub App's private key in it`,
      { kind: 'aws', retryable: true },
    );
  }
  return privateKey;
}
