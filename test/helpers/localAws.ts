import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFauxqs } from 'fauxqs';
import type { EksCluster } from '../../lib/adapters/eksDescribeCluster.ts';

/** fauxqs, a real SQS protocol on loopback, with a job queue and a dead-letter queue. */
export async function startLocalSqs() {
  const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  const jobs = server.createQueue('jobs');
  const deadLetters = server.createQueue('dead-letters');
  const messagesOf = (name: string) => {
    const queue = server.inspectQueue(name);
    return [...(queue?.messages.ready ?? []), ...(queue?.messages.delayed ?? [])];
  };
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    jobQueueUrl: jobs.queueUrl,
    deadLetterQueueUrl: deadLetters.queueUrl,
    messagesOf,
    inspect: (name: string) => server.inspectQueue(name),
    stop: () => server.stop(),
  };
}

/** Environment that points the functions' AWS calls at loopback peers, with throwaway credentials. */
export function localAwsEnvironment(endpoints: {
  sqs?: string;
  secretsManager?: string;
  eks?: string;
}): Record<string, string> {
  return {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    ...(endpoints.sqs && { AWS_ENDPOINT_URL_SQS: endpoints.sqs }),
    ...(endpoints.secretsManager && { AWS_ENDPOINT_URL_SECRETSMANAGER: endpoints.secretsManager }),
    ...(endpoints.eks && { AWS_ENDPOINT_URL_EKS: endpoints.eks }),
  };
}

/**
 * Secrets Manager's GetSecretValue on loopback (nothing local emulates Secrets Manager). It answers
 * only SigV4-signed calls, as the real service does, and counts them.
 */
export async function startSecretsManagerStandIn(secrets: Record<string, string>) {
  let calls = 0;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const signed = /^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/[\w-]+\/secretsmanager\/aws4_request/.test(
      request.headers.authorization ?? '',
    );
    if (!signed || request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      response
        .writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
        .end('{"__type":"InvalidRequest"}');
      return;
    }
    calls += 1;
    const { SecretId } = JSON.parse(Buffer.concat(chunks).toString()) as { SecretId: string };
    const value = secrets[SecretId];
    if (value === undefined) {
      response
        .writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
        .end(
          '{"__type":"ResourceNotFoundException","message":"Secrets Manager can\'t find the specified secret."}',
        );
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/x-amz-json-1.1' })
      .end(JSON.stringify({ SecretString: value }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls: () => calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * EKS's DescribeCluster (`GET /clusters/{name}`) on loopback. It answers only SigV4-signed calls, and
 * a cluster it does not hold as EKS does: 404 with the error type in `x-amzn-errortype`. Tests may
 * change `clusters` between calls.
 */
export async function startEksStandIn(clusters: Record<string, EksCluster>) {
  let calls = 0;
  const server = createServer((request, response) => {
    request.resume();
    const signed = /^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/[\w-]+\/eks\/aws4_request/.test(
      request.headers.authorization ?? '',
    );
    const name = /^\/clusters\/([\w-]+)$/.exec(request.url ?? '')?.[1];
    if (!signed || request.method !== 'GET' || !name) {
      response
        .writeHead(403, { 'x-amzn-errortype': 'InvalidSignatureException' })
        .end('{"message":"unsigned or unknown request"}');
      return;
    }
    calls += 1;
    const cluster = clusters[name];
    if (!cluster) {
      response
        .writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.eks/',
        })
        .end(JSON.stringify({ message: `No cluster found for name: ${name}.` }));
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ cluster: { name, ...cluster } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    /** What the functions' environment would be, pointed at this stand-in. */
    environment: localAwsEnvironment({ eks: endpoint }),
    calls: () => calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
