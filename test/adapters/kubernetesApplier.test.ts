import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eksApi } from '../../lib/adapters/eksCoreApi.ts';
import { eksDescribeCluster } from '../../lib/adapters/eksDescribeCluster.ts';
import { KubernetesApplier } from '../../lib/adapters/kubernetesApplier.ts';
import { startEksStandIn } from '../helpers/localAws.ts';

const daemonSet = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'eks-runner-autoscaler-dockerd-linux-docker', namespace: 'github-runners' },
};

/** An endpoint that answers every request, discovery included, with the status the test sets. */
let status = 500;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kind: 'Status', message: `injected ${status}`, code: status }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function applierAt(endpoint: string): KubernetesApplier {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'cluster', server: endpoint, skipTLSVerify: true }],
    users: [{ name: 'prerequisites', token: 't' }],
    contexts: [{ name: 'cluster', cluster: 'cluster', user: 'prerequisites' }],
    currentContext: 'cluster',
  });
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  return new KubernetesApplier(async () => api);
}

/** What the error says of the cluster: why it is unreachable, or the name of an ordinary failure. */
const verdict = (error: unknown) =>
  error instanceof Error ? ((error as { because?: string }).because ?? error.name) : 'no error';

describe('KubernetesApplier', () => {
  it('tells a cluster that no longer knows or allows it from one that merely failed', async () => {
    // Act
    const verdicts: Record<number, string> = {};
    for (const answer of [401, 403, 409, 500]) {
      status = answer;
      verdicts[answer] = verdict(
        await applierAt(url)
          .remove(daemonSet)
          .catch((error: unknown) => error),
      );
    }

    // Assess
    expect(verdicts).toEqual({
      401: 'identity-unknown',
      403: 'forbidden',
      409: 'AutoscalerError',
      500: 'AutoscalerError',
    });
  });

  it('says the cluster cannot be reached when nothing answers at its endpoint', async () => {
    // Prepare: a port nothing listens on.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const error = await applierAt(endpoint)
      .apply(daemonSet)
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({
      name: 'ClusterUnreachableError',
      because: 'no-answer',
      message: expect.stringMatching(
        /^Kubernetes apply DaemonSet github-runners\/eks-runner-autoscaler-dockerd/,
      ),
    });
  });

  it('says the cluster is gone when EKS no longer has it', async () => {
    // Prepare
    const eks = await startEksStandIn({});
    const applier = new KubernetesApplier(
      eksApi(
        {
          clusterName: 'gone',
          region: 'eu-west-1',
          describeCluster: eksDescribeCluster({ environment: eks.environment }),
          credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        },
        (kubeConfig) => KubernetesObjectApi.makeApiClient(kubeConfig),
      ),
    );

    // Act
    const error = await applier.remove(daemonSet).catch((caught: unknown) => caught);
    await eks.stop();

    // Assess
    expect(error).toMatchObject({
      name: 'ClusterUnreachableError',
      because: 'cluster-gone',
      message: expect.stringContaining('No cluster found for name: gone.'),
    });
  });
});
