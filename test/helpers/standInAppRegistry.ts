import { afterAll, beforeAll } from 'vitest';
import { GitHubAppUsage } from '../../lib/adapters/gitHubAppUsage.ts';
import { GitHubPushback } from '../../lib/adapters/gitHubPushback.ts';
import { GitHubRunnerRegistry } from '../../lib/adapters/githubRunnerRegistry.ts';
import type { RegistryApp } from '../../lib/adapters/multiAppRunnerRegistry.ts';
import type { GitHubSettings } from '../../lib/config/autoscalerConfig.ts';
import { type GitHubStandIn, startGitHubStandIn } from './gitHubStandIn.ts';

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

/** The registry as the stand-in's first App alone, on a clock of the test's when given. */
export function registryOn(
  standIn: GitHubStandIn,
  registrationMode: GitHubSettings['registrationMode'] = 'jit',
  now?: () => Date,
): GitHubRunnerRegistry {
  return new GitHubRunnerRegistry({
    github: { appId: 1, apiUrl: standIn.apiUrl, registrationMode, runnerGroupId: 1 },
    privateKey: standIn.appPrivateKey,
    ...(now ? { now } : {}),
  });
}

export const ORG_SCOPE = { kind: 'org', org: 'acme' } as const;
export const REPO_SCOPE = { kind: 'repo', owner: 'octocat', repo: 'hello' } as const;

/**
 * A stand-in for the tests of one file, started before them and closed after them, and the registry
 * as its first App alone.
 */
export function standInForFile() {
  const file = {
    gitHub: undefined as unknown as GitHubStandIn,
    registry: (mode?: GitHubSettings['registrationMode'], now?: () => Date) =>
      registryOn(file.gitHub, mode, now),
  };
  beforeAll(async () => {
    file.gitHub = await startGitHubStandIn();
  });
  afterAll(() => file.gitHub.close());
  return file;
}
