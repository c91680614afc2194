import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesRunnerCluster } from '../../lib/adapters/kubernetesRunnerCluster.ts';
import type { KilledRunner } from '../../lib/ports.ts';
import { coreApi, uniqueJobId } from './clusterClients.ts';

/**
 * The killed-runner records on a real kube-apiserver, in a namespace of their own so that no other
 * test's reconciler forgets them meanwhile. The scaler's own rights to them are exercised by the
 * reconciler tests (infrastructureKillsOnApiServer.test.ts).
 */
const admin = coreApi('admin');
const namespace = `killed-runners-${uniqueJobId()}`;
const cluster = new KubernetesRunnerCluster({ namespace, api: async () => admin });
const killed = (runnerId: number, keptAt: string): KilledRunner => ({
  runnerId,
  podName: `linux-small-${runnerId}`,
  runnerClass: 'linux-small',
  killedBy: 'evicted',
  keptAt,
});

describe('killed runners kept on a real kube-apiserver', () => {
  beforeAll(async () => {
    await admin.createNamespace({ body: { metadata: { name: namespace } } });
  });
  afterAll(async () => {
    await admin.deleteNamespace({ name: namespace });
  });

  it('are kept once however often remembered, and claimed by one of two callers at once', async () => {
    // Prepare
    const runner = killed(41, '2026-12-02T10:00:00.000Z');
    await cluster.rememberKilledRunner(runner);
    await cluster.rememberKilledRunner({ ...runner, keptAt: '2026-12-02T10:01:00.000Z' });

    // Act
    const claims = await Promise.all([cluster.claimKilledRunner(41), cluster.claimKilledRunner(41)]);
    const later = await cluster.claimKilledRunner(41);

    // Assess
    expect(claims.filter((claim) => claim !== undefined)).toEqual([runner]);
    expect(later).toBeUndefined();
  });

  it('are forgotten once kept since before the moment given, and others stay', async () => {
    // Prepare
    await cluster.rememberKilledRunner(killed(42, '2026-12-02T10:00:00.000Z'));
    await cluster.rememberKilledRunner(killed(43, '2026-12-02T10:20:00.000Z'));

    // Act
    const forgotten = await cluster.forgetKilledRunners(new Date('2026-12-02T10:15:00.000Z'));

    // Assess
    expect(forgotten).toBe(1);
    expect(await cluster.claimKilledRunner(42)).toBeUndefined();
    expect(await cluster.claimKilledRunner(43)).toMatchObject({ runnerId: 43, killedBy: 'evicted' });
  });

  it('answer a runner never killed with undefined, not an error', async () => {
    expect(await cluster.claimKilledRunner(44)).toBeUndefined();
  });
});
