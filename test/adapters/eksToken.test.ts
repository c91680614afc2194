import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eksCoreApi } from '../../lib/adapters/eksCoreApi.ts';
import { type EksCluster, eksDescribeCluster } from '../../lib/adapters/eksDescribeCluster.ts';
import { createEksToken } from '../../lib/adapters/eksToken.ts';
import { startEksStandIn } from '../helpers/localAws.ts';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const signingDate = new Date('2026-11-28T12:00:00Z');

function decode(token: string): URL {
  expect(token).toMatch(/^k8s-aws-v1\.[A-Za-z0-9_-]+$/);
  return new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());
}

describe('createEksToken', () => {
  it('presigns GetCallerIdentity for 60 s with the cluster name in a signed header, like aws eks get-token', async () => {
    // Act
    const { token, expiresAt } = await createEksToken({
      clusterName: 'build-cluster',
      region: 'eu-west-1',
      credentials,
      signingDate,
    });

    // Assess
    const url = decode(token);
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20261128/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20261128T120000Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    });
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(token.endsWith('=')).toBe(false);
    expect(expiresAt.toISOString()).toBe('2026-11-28T12:15:00.000Z');
  });

  it('signs a different token for a different cluster', async () => {
    const one = await createEksToken({ clusterName: 'a', region: 'eu-west-1', credentials, signingDate });
    const other = await createEksToken({ clusterName: 'b', region: 'eu-west-1', credentials, signingDate });
    expect(decode(one.token).searchParams.get('X-Amz-Signature')).not.toBe(
      decode(other.token).searchParams.get('X-Amz-Signature'),
    );
  });
});

describe('eksCoreApi', () => {
  const clusters: Record<string, EksCluster> = {};
  let eks: Awaited<ReturnType<typeof startEksStandIn>>;
  beforeAll(async () => {
    eks = await startEksStandIn(clusters);
  });
  afterAll(() => eks.stop());
  const access = (clusterName: string) => ({
    clusterName,
    region: 'eu-west-1',
    describeCluster: eksDescribeCluster({ environment: eks.environment }),
    credentials,
  });

  it('describes the cluster once and renews the client before the token expires', async () => {
    // Prepare
    clusters['build-cluster'] = {
      endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
      certificateAuthority: { data: 'Q0E=' },
    };
    const describedBefore = eks.calls();
    let clock = signingDate;
    const api = eksCoreApi({ ...access('build-cluster'), now: () => clock });

    // Act
    const first = await api();
    const sameWindow = await api();
    clock = new Date(signingDate.getTime() + 13 * 60_000);
    const renewed = await api();

    // Assess
    expect(first).toBeInstanceOf(CoreV1Api);
    expect(sameWindow).toBe(first);
    expect(renewed).not.toBe(first);
    expect(eks.calls() - describedBefore).toBe(1);
  });

  it('fails with a retryable error while the cluster has no endpoint, and asks again next time', async () => {
    // Prepare
    clusters.c = { status: 'CREATING' };
    const api = eksCoreApi(access('c'));

    // Act / Assess
    await expect(api()).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('no endpoint'),
    });
    clusters.c = { endpoint: 'https://x.eks.amazonaws.com', certificateAuthority: { data: 'Q0E=' } };
    await expect(api()).resolves.toBeInstanceOf(CoreV1Api);
  });
});
