import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { scalerCluster } from './clusterClients.ts';

/** Counts the connections undici (client-node's HTTP client) opens while `work` runs. */
async function connectionsOpenedBy(work: () => Promise<unknown>): Promise<number> {
  let opened = 0;
  const onSocket = () => {
    opened += 1;
  };
  subscribe('undici:client:connected', onSocket);
  try {
    await work();
  } finally {
    unsubscribe('undici:client:connected', onSocket);
  }
  return opened;
}

describe('the scaler’s Kubernetes client on a real kube-apiserver', () => {
  it('keeps its connections: forty calls in a row open at most one TLS connection', async () => {
    // Prepare
    const cluster = scalerCluster();
    await cluster.readPod('warm-up');

    // Act
    const opened = await connectionsOpenedBy(async () => {
      for (let call = 0; call < 40; call++) await cluster.readPod(`absent-${call}`);
    });

    // Assess: client-node 2.0 alone opens one per call (see keepAliveKubeConfig.ts).
    expect(opened).toBeLessThanOrEqual(1);
  });

  it('calls at once share connections that later calls reuse', async () => {
    // Prepare
    const cluster = scalerCluster();
    const twentyAtOnce = () =>
      Promise.all(Array.from({ length: 20 }, (_, call) => cluster.readPod(`absent-${call}`)));

    // Act
    const first = await connectionsOpenedBy(twentyAtOnce);
    const again = await connectionsOpenedBy(twentyAtOnce);

    // Assess
    expect(first).toBeLessThanOrEqual(20);
    expect(again).toBeLessThanOrEqual(2);
  });
});
