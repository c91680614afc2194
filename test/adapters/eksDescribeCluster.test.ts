import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsApiError } from '../../lib/adapters/awsApi.ts';
import { eksDescribeCluster } from '../../lib/adapters/eksDescribeCluster.ts';
import { startEksStandIn } from '../helpers/localAws.ts';

const CLUSTER = {
  endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
  certificateAuthority: { data: 'Q0E=' },
};

describe('eksDescribeCluster', () => {
  let eks: Awaited<ReturnType<typeof startEksStandIn>>;
  beforeAll(async () => {
    eks = await startEksStandIn({ 'build-cluster': CLUSTER });
  });
  afterAll(() => eks.stop());

  it('reads the endpoint and CA with a signed GET /clusters/{name}', async () => {
    // Act
    const cluster = await eksDescribeCluster({ environment: eks.environment })('build-cluster');

    // Assess
    expect(cluster).toMatchObject(CLUSTER);
  });

  it('says a cluster EKS does not have is not found, and not worth retrying', async () => {
    // Act
    const error = await eksDescribeCluster({ environment: eks.environment })('gone').catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toBeInstanceOf(AwsApiError);
    expect(error).toMatchObject({
      code: 'ResourceNotFoundException',
      kind: 'aws',
      retryable: false,
      message: 'eks DescribeCluster failed (404 ResourceNotFoundException): No cluster found for name: gone.',
    });
  });

  it('fails retryably when nothing answers', async () => {
    // Prepare
    const environment = { ...eks.environment, AWS_ENDPOINT_URL_EKS: 'http://127.0.0.1:1' };

    // Act / Assess
    await expect(eksDescribeCluster({ environment })('build-cluster')).rejects.toMatchObject({
      kind: 'aws',
      retryable: true,
      message: expect.stringMatching(/^eks DescribeCluster failed: /),
    });
  });
});
