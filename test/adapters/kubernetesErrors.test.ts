import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesRunnerCluster } from '../../lib/adapters/kubernetesRunnerCluster.ts';

/**
 * Faults a real API server will not produce on demand: server errors, throttling, expired
 * credentials, a hung connection and a dropped one. (The real API server's own answers are tested
 * in test/cluster/.)
 */
type Fault = { status: number; headers?: Record<string, string>; body?: object } | 'hang' | 'drop';
let fault: Fault = { status: 503 };
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    if (fault === 'hang') return;
    if (fault === 'drop') {
      request.socket.destroy();
      return;
    }
    response.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
    response.end(
      JSON.stringify({
        kind: 'Status',
        message: `injected ${fault.status}`,
        code: fault.status,
        ...fault.body,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function clusterAt(server: string) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'faulty', server, skipTLSVerify: true }],
    users: [{ name: 'scaler', token: 't' }],
    contexts: [{ name: 'faulty', cluster: 'faulty', user: 'scaler' }],
    currentContext: 'faulty',
  });
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return new KubernetesRunnerCluster({
    namespace: 'github-runners',
    api: async () => api,
    requestTimeoutMs: 300,
  });
}

describe('KubernetesRunnerCluster when the API server fails', () => {
  it.each<[string, Fault, object]>([
    ['a 503', { status: 503 }, { retryable: true, message: expect.stringContaining('(503): injected 503') }],
    [
      'a 429 with retry-after',
      { status: 429, headers: { 'retry-after': '7' } },
      { retryable: true, retryAfterSeconds: 7 },
    ],
    ['a 401 from an expired token', { status: 401 }, { retryable: true }],
    [
      'a request that never gets an answer',
      'hang',
      { retryable: true, message: expect.stringContaining('aborted') },
    ],
    [
      'a dropped connection',
      'drop',
      { retryable: true, message: expect.not.stringContaining('HTTP protocol') },
    ],
  ])('makes %s a retryable error', async (_, injected, expected) => {
    // Prepare
    fault = injected;

    // Act
    const error = await clusterAt(url)
      .reservePlaces('linux', ['linux-1'], 1)
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ name: 'AutoscalerError', ...expected });
    // The first request of a reservation reads the class's places.
    expect((error as Error).message).toMatch(
      /^Kubernetes read places eks-runner-autoscaler-places-linux failed/,
    );
  });

  it('makes a refused connection a retryable error', async () => {
    const error = await clusterAt('http://127.0.0.1:1')
      .readPod('x')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      retryable: true,
      message: expect.stringMatching(/^Kubernetes read pod x failed/),
    });
  });

  it('makes a conflict a retryable error, also where a create already fell back to a replace', async () => {
    // Prepare: every write conflicts, as when another writer keeps winning.
    fault = { status: 409 };
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: 'linux-1-runner' },
      stringData: { token: 't' },
    } as const;

    // Act
    const error = await clusterAt(url)
      .createSecret(secret)
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ name: 'AutoscalerError', retryable: true });
    expect((error as Error).message).toMatch(/^Kubernetes replace secret linux-1-runner failed \(409\)/);
  });

  it('takes a refused UID change for a pod made anew, and any other invalid patch as fatal', async () => {
    // Prepare
    const pod = { name: 'linux-1', uid: 'first' };
    const invalid = (field: string) => ({
      status: 422,
      body: { reason: 'Invalid', details: { causes: [{ field, message: 'field is immutable' }] } },
    });

    // Act / Assess
    fault = invalid('metadata.uid');
    expect(await clusterAt(url).annotatePod(pod, { a: 'b' })).toBeUndefined();
    fault = invalid('metadata.annotations');
    await expect(clusterAt(url).annotatePod(pod, { a: 'b' })).rejects.toMatchObject({
      retryable: false,
      message: expect.stringMatching(/^Kubernetes annotate pod linux-1 failed \(422\)/),
    });
  });
});
