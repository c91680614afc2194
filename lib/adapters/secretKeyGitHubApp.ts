import type { GitHubSettings } from '../config/autoscalerConfig.ts';
import { AutoscalerError } from '../errors.ts';
import type { Metrics, RunnerRegistry, WebhookDeliveryLog } from '../ports.ts';
import type { GitHubAppUsage } from './gitHubAppUsage.ts';
import type { GitHubPushback } from './gitHubPushback.ts';
import { readSecretString } from './secretsManager.ts';

/**
 * The GitHub App of a function whose private key is in Secrets Manager. The key is read on first
 * use, and again after a failed read, so an empty secret fails work (which is retried), not the
 * function's start. Octokit is loaded then too, while the key is on the wire, not at the start.
 */
export function secretKeyGitHubApp(options: {
  github: GitHubSettings;
  privateKeySecretArn: string;
  metrics: Metrics;
  /** What GitHub pushed back on, and what the App spent, for choosing between Apps. @default the App's own */
  pushback?: GitHubPushback;
  usage?: GitHubAppUsage;
}): { registry: RunnerRegistry; deliveries: WebhookDeliveryLog } {
  let privateKey: Promise<string> | undefined;
  const key = () => {
    privateKey ??= loadPrivateKey(options.privateKeySecretArn);
    privateKey.catch(() => {
      privateKey = undefined;
    });
    return privateKey;
  };
  const once = <T, Module>(
    load: () => Promise<Module>,
    create: (module: Module, privateKey: string) => T,
  ) => {
    let made: T | undefined;
    return async () => {
      if (made) return made;
      const [module, privateKey] = await Promise.all([load(), key()]);
      made ??= create(module, privateKey);
      return made;
    };
  };
  const registry = once(
    () => import('./githubRunnerRegistry.ts'),
    ({ GitHubRunnerRegistry }, privateKey) => new GitHubRunnerRegistry({ ...options, privateKey }),
  );
  const deliveries = once(
    () => import('./githubWebhookDeliveries.ts'),
    ({ GitHubWebhookDeliveries }, privateKey) => new GitHubWebhookDeliveries({ ...options, privateKey }),
  );
  return {
    registry: {
      register: async (request) => (await registry()).register(request),
      deregister: async (runner) => (await registry()).deregister(runner),
      isBusy: async (runner) => (await registry()).isBusy(runner),
      readJob: async (job) => (await registry()).readJob(job),
      runnerGroupOpenTo: async (installationId, org, repository) =>
        (await registry()).runnerGroupOpenTo(installationId, org, repository),
      installations: async () => (await registry()).installations(),
      listRunners: async (installationId, scope, maxPages) =>
        (await registry()).listRunners(installationId, scope, maxPages),
      listRepositories: async (installationId, maxPages) =>
        (await registry()).listRepositories(installationId, maxPages),
      listRuns: async (installationId, repository, status) =>
        (await registry()).listRuns(installationId, repository, status),
      listRunJobs: async (installationId, repository, runId, attempts) =>
        (await registry()).listRunJobs(installationId, repository, runId, attempts),
      readRun: async (run) => (await registry()).readRun(run),
      rerunJob: async (job) => (await registry()).rerunJob(job),
      rerunFailedJobs: async (run) => (await registry()).rerunFailedJobs(run),
    },
    deliveries: {
      failedSince: async (since, maxPages) => (await deliveries()).failedSince(since, maxPages),
      redeliver: async (deliveryId) => (await deliveries()).redeliver(deliveryId),
    },
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
