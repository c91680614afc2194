import { GitHubAppUsage } from '../../lib/adapters/gitHubAppUsage.ts';
import { GitHubPushback } from '../../lib/adapters/gitHubPushback.ts';
import { GitHubRunnerRegistry } from '../../lib/adapters/githubRunnerRegistry.ts';
import type { RegistryApp } from '../../lib/adapters/multiAppRunnerRegistry.ts';
import type { GitHubSettings } from '../../lib/config/autoscalerConfig.ts';
import type { GitHubStandIn } from './gitHubStandIn.ts';

/**
 * One of the stand-in's Apps (the first unless given) as the scaler holds it: its registry, with the
 * pushback and usage its clients share, as `secretKeyGitHubApps` makes them.
 */
export function standInAppRegistry(
  standIn: GitHubStandIn,
  app: { appId: number; appPrivateKey: string } = { appId: 1, appPrivateKey: standIn.appPrivateKey },
  registrationMode: GitHubSettings['registrationMode'] = 'jit',
): RegistryApp {
  const pushback = new GitHubPushback();
  const usage = new GitHubAppUsage();
  const registry = new GitHubRunnerRegistry({
    github: { appId: app.appId, apiUrl: standIn.apiUrl, registrationMode, runnerGroupId: 1 },
    privateKey: app.appPrivateKey,
    pushback,
    usage,
  });
  return { appId: app.appId, registry, pushback, usage };
}
