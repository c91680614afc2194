import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { DryRunRunnerRegistry } from '../lib/adapters/dryRunRunnerRegistry.ts';
import { GitHubRunnerRegistry } from '../lib/adapters/githubRunnerRegistry.ts';
import { GitHubWebhookDeliveries } from '../lib/adapters/githubWebhookDeliveries.ts';
import { InMemoryRunnerCluster } from '../lib/adapters/inMemoryRunnerCluster.ts';
import { CoreV1Api, KubeConfig } from '../lib/adapters/kubernetesLibrary.ts';
import { KubernetesRunnerCluster } from '../lib/adapters/kubernetesRunnerCluster.ts';
import { powertoolsLog } from '../lib/adapters/powertoolsLog.ts';
import type { AutoscalerConfig } from '../lib/config/autoscalerConfig.ts';
import { loadConfigFile } from '../lib/config/loadConfig.ts';
import { ConfigError } from '../lib/errors.ts';
import type { RunnerCluster, RunnerRegistry, WebhookDeliveryLog } from '../lib/ports.ts';
import { startLocalAutoscaler } from './startLocalAutoscaler.ts';

const USAGE = `usage: npm start -- [--config FILE] [--port N] [--host ADDRESS] [--status-interval SECONDS]
                    [--reconcile-interval SECONDS] [--dry-run]

The status page is served at /, its data at GET /status; progress is logged every --status-interval
seconds (default 5) while anything changes. The reconciler runs every --reconcile-interval seconds
(default 60; never with --dry-run).

Environment:
  GITHUB_WEBHOOK_SECRET        the webhook secret (required)
  GITHUB_APP_ID                the App ID (default: github.appId from the config)
  GITHUB_APP_PRIVATE_KEY_FILE  the App's private key, PEM (required unless --dry-run)
  GITHUB_API_URL               the REST API root (default: github.apiUrl from the config)
  KUBECONFIG                   the cluster to create runner pods in (unless --dry-run)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'autoscaler.config.json' },
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      'status-interval': { type: 'string', default: '5' },
      'reconcile-interval': { type: 'string', default: '60' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ConfigError(`--port ${values.port} is not a port number`);
  const statusIntervalSeconds = secondsOption('status-interval', values['status-interval']);
  const reconcileIntervalSeconds = secondsOption('reconcile-interval', values['reconcile-interval']);
  const webhookSecret = process.env.GITHUB_WEBHOOK_SECRET;
  if (!webhookSecret)
    throw new ConfigError('GITHUB_WEBHOOK_SECRET is not set: export the webhook secret of your GitHub App');

  const config = withEnvironmentOverrides(loadConfigFile(values.config));
  const logger = new Logger({ serviceName: 'eks-runner-autoscaler-local' });
  const dryRun = values['dry-run'];
  const local = await startLocalAutoscaler({
    config,
    webhookSecrets: { current: webhookSecret },
    ...(dryRun ? dryRunPeers() : realPeers(config)),
    log: powertoolsLog(logger),
    port,
    host: values.host,
    statusIntervalMs: statusIntervalSeconds * 1000,
    reconcileIntervalMs: dryRun ? 0 : reconcileIntervalSeconds * 1000,
  });
  logger.info(
    `listening on ${local.url}/webhook${dryRun ? ' (dry run: no Kubernetes, no GitHub)' : ''}; status page on ${local.url}/`,
  );

  const stop = () => {
    local.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function secondsOption(name: string, text: string): number {
  const seconds = Number(text);
  if (!(seconds >= 0.1 && seconds <= 3600)) {
    throw new ConfigError(`--${name} ${text} must be between 0.1 and 3600 seconds`);
  }
  return seconds;
}

function dryRunPeers(): { cluster: RunnerCluster; registry: RunnerRegistry } {
  return {
    cluster: new InMemoryRunnerCluster({
      report: (action) => process.stdout.write(`${JSON.stringify({ dryRun: true, ...action })}\n`),
    }),
    registry: new DryRunRunnerRegistry(),
  };
}

function realPeers(config: AutoscalerConfig): {
  cluster: RunnerCluster;
  registry: RunnerRegistry;
  deliveries: WebhookDeliveryLog;
} {
  const keyFile = process.env.GITHUB_APP_PRIVATE_KEY_FILE;
  if (!keyFile)
    throw new ConfigError(
      'GITHUB_APP_PRIVATE_KEY_FILE is not set: point it at the App private key (PEM), or use --dry-run',
    );
  let privateKey: string;
  try {
    privateKey = readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read GITHUB_APP_PRIVATE_KEY_FILE ${keyFile}: ${(error as Error).message}`);
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  if (!kubeConfig.getCurrentCluster())
    throw new ConfigError('no Kubernetes cluster in KUBECONFIG (or ~/.kube/config)');
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return {
    cluster: new KubernetesRunnerCluster({ namespace: config.cluster.namespace, api: async () => api }),
    registry: new GitHubRunnerRegistry({ github: config.github, privateKey }),
    deliveries: new GitHubWebhookDeliveries({ github: config.github, privateKey }),
  };
}

function withEnvironmentOverrides(config: AutoscalerConfig): AutoscalerConfig {
  const appId = process.env.GITHUB_APP_ID;
  if (appId !== undefined && !/^[1-9][0-9]*$/.test(appId))
    throw new ConfigError(`GITHUB_APP_ID "${appId}" is not an App ID`);
  return {
    ...config,
    github: {
      ...config.github,
      appId: appId ? Number(appId) : config.github.appId,
      apiUrl: process.env.GITHUB_API_URL ?? config.github.apiUrl,
    },
  };
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
