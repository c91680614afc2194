import type { GitHubSettings } from '../config/autoscalerConfig.ts';
import type { Metrics, RunnerRegistry, WebhookDeliveryLog } from '../ports.ts';
import { GitHubAppUsage } from './gitHubAppUsage.ts';
import { GitHubPushback } from './gitHubPushback.ts';
import { MultiAppRunnerRegistry } from './multiAppRunnerRegistry.ts';
import { secretKeyGitHubApp } from './secretKeyGitHubApp.ts';

/**
 * The configured GitHub Apps of a function: the first (`github.appId`, its key at
 * `privateKeySecretArn`), whose webhooks and delivery log these are, and `github.additionalApps`.
 * With more than one, registry calls are spread over them (see MultiAppRunnerRegistry).
 */
export function secretKeyGitHubApps(options: {
  github: GitHubSettings;
  privateKeySecretArn: string;
  metrics: Metrics;
}): { registry: RunnerRegistry; deliveries: WebhookDeliveryLog } {
  const { github, privateKeySecretArn, metrics } = options;
  const apps = [{ appId: github.appId, privateKeySecretArn }, ...github.additionalApps].map((app) => {
    const pushback = new GitHubPushback();
    const usage = new GitHubAppUsage();
    const { registry, deliveries } = secretKeyGitHubApp({
      github: { ...github, appId: app.appId },
      privateKeySecretArn: app.privateKeySecretArn,
      metrics,
      pushback,
      usage,
    });
    return { appId: app.appId, registry, deliveries, pushback, usage };
  });
  const [first] = apps;
  if (!first) throw new Error('no GitHub App configured');
  return {
    registry: apps.length === 1 ? first.registry : new MultiAppRunnerRegistry(apps),
    deliveries: first.deliveries,
  };
}
