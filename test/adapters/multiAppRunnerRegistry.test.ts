import { afterEach, describe, expect, it } from 'vitest';
import { quotaKey } from '../../lib/adapters/gitHubPushback.ts';
import { MultiAppRunnerRegistry, type RegistryApp } from '../../lib/adapters/multiAppRunnerRegistry.ts';
import type { AutoscalerError } from '../../lib/errors.ts';
import type { RunnerRegistration } from '../../lib/ports.ts';
import { type GitHubStandIn, startGitHubStandIn } from '../helpers/gitHubStandIn.ts';
import { standInAppRegistry } from '../helpers/standInAppRegistry.ts';

const org = { kind: 'org', org: 'acme' } as const;
let gitHub: GitHubStandIn | undefined;
afterEach(() => gitHub?.close());

/** The stand-in's first App and `more` Apps added to it, each as the scaler would hold it. */
async function apps(more: number): Promise<{ standIn: GitHubStandIn; apps: RegistryApp[] }> {
  const standIn = await startGitHubStandIn();
  gitHub = standIn;
  const keys = [
    { appId: 1, appPrivateKey: standIn.appPrivateKey },
    ...Array.from({ length: more }, () => standIn.addApp()),
  ];
  return {
    standIn,
    apps: keys.map((key) => standInAppRegistry(standIn, key)),
  };
}

const jitCallsByApp = (standIn: GitHubStandIn, from: number) =>
  standIn.requests.slice(from).filter(({ path }) => path.endsWith('/generate-jitconfig')).length;

describe('MultiAppRunnerRegistry', () => {
  it("spreads a burst's registrations over the Apps by their room, so none reaches its secondary limit", async () => {
    // Prepare: each App may make 10 writes per 2 s window on an endpoint.
    const { standIn, apps: both } = await apps(1);
    const limit = standIn.limitSecondary({ pointsPerWindow: 50, windowMs: 2000 });
    const subject = new MultiAppRunnerRegistry(both);

    // Act: 20 registrations, one after the other, as an invocation's records would make them.
    const results: (RunnerRegistration | AutoscalerError)[] = [];
    for (let index = 0; index < 20; index += 1)
      results.push(
        await subject
          .register({
            installationId: 42,
            scope: org,
            name: `linux-small-${7000 + index}`,
            labels: ['linux'],
          })
          .catch((error: AutoscalerError) => error),
      );

    // Assess: every one registered, none refused, half through each App (besides each App's token).
    expect(results.every((result) => 'kind' in result && result.kind === 'jit')).toBe(true);
    expect([...limit.refused.values()]).toEqual([]);
    expect([standIn.callsByApp.get(1), standIn.callsByApp.get(2)]).toEqual([12, 12]);
    expect(jitCallsByApp(standIn, 0)).toBe(20);
  });

  it('queues the calls held back while every App is limited on every App evenly, not on the first', async () => {
    // Prepare: each App may make 10 writes per 2 s window on an endpoint.
    const { standIn, apps: both } = await apps(1);
    standIn.limitSecondary({ pointsPerWindow: 50, windowMs: 2000 });
    const subject = new MultiAppRunnerRegistry(both);

    // Act: 80 registrations in turn, far more than both Apps may make in the window.
    const waits: number[] = [];
    for (let index = 0; index < 80; index += 1)
      await subject
        .register({ installationId: 42, scope: org, name: `linux-small-${7200 + index}`, labels: ['linux'] })
        .catch((error: AutoscalerError) => waits.push(error.retryAfterSeconds ?? 0));

    // Assess: the 60 or so held back get turns a write apart on two Apps, about 10 s of turns rather than 20.
    expect(waits.length).toBeGreaterThanOrEqual(58);
    expect(Math.max(...waits) - Math.min(...waits)).toBeLessThanOrEqual(12);
  });

  it('calls through another App, as its own installation, while GitHub holds one back, and removes a runner any App registered', async () => {
    // Prepare: App 2 registers a runner; then App 2's installation quota is spent.
    const { standIn, apps: both } = await apps(1);
    const [first, second] = both as [RegistryApp, RegistryApp];
    const registered = await second.registry.register({
      installationId: standIn.installationOf(2, 42),
      scope: org,
      name: 'linux-small-7100',
      labels: ['linux'],
    });
    second.pushback.pushedBack(quotaKey(standIn.installationOf(2, 42)), 600, Date.now());
    const subject = new MultiAppRunnerRegistry(both);
    const firstAppCallsBefore = standIn.callsByApp.get(1) ?? 0;
    const secondAppCallsBefore = standIn.callsByApp.get(2) ?? 0;

    // Act: the message names App 1's installation, 42.
    const removed = await subject.deregister({
      installationId: 42,
      scope: org,
      name: 'linux-small-7100',
      id: registered.kind === 'jit' ? registered.runnerId : undefined,
    });

    // Assess
    expect(removed).toBe(true);
    expect([...standIn.runners.values()].map(({ name }) => name)).not.toContain('linux-small-7100');
    expect((standIn.callsByApp.get(1) ?? 0) - firstAppCallsBefore).toBeGreaterThan(0);
    expect(standIn.callsByApp.get(2) ?? 0).toBe(secondAppCallsBefore + 1);
    expect(first.appId).toBe(1);
  });

  it('lists the first App’s installations, whose IDs the webhooks carry', async () => {
    const { apps: both } = await apps(1);
    const installations = await new MultiAppRunnerRegistry(both).installations();
    expect(installations.map(({ id, account }) => [id, account])).toEqual([
      [42, 'acme'],
      [43, 'octocat'],
    ]);
  });
});
