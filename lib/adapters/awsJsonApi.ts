import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AutoscalerError } from '../errors.ts';

export interface AwsJsonApiOptions {
  /** Signing name and endpoint prefix, e.g. "sqs" or "secretsmanager". */
  service: string;
  /** "1.0" for SQS, "1.1" for Secrets Manager. */
  jsonVersion: '1.0' | '1.1';
  /** Prefix of the X-Amz-Target header, e.g. "AmazonSQS". */
  targetPrefix: string;
  environment?: NodeJS.ProcessEnv;
  /** Abandon a call after this long. @default 5000 */
  timeoutMs?: number;
}

/**
 * Calls an AWS service's JSON protocol, signed by @smithy/signature-v4 with the credentials Lambda
 * puts in the environment, over a kept-alive connection. It loads in a few milliseconds where an
 * AWS SDK v3 client takes about a hundred, which is most of a cold start, and each call costs about
 * what the SDK's does. `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` point it elsewhere, as
 * they do the SDK.
 */
export function awsJsonApi(options: AwsJsonApiOptions): <T>(operation: string, input: object) => Promise<T> {
  const environment = options.environment ?? process.env;
  const region = environment.AWS_REGION ?? environment.AWS_DEFAULT_REGION ?? 'us-east-1';
  const endpoint = new URL(
    environment[`AWS_ENDPOINT_URL_${options.service.toUpperCase()}`] ??
      environment.AWS_ENDPOINT_URL ??
      `https://${options.service}.${region}.amazonaws.com`,
  );
  const secure = endpoint.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const signer = new SignatureV4({
    service: options.service,
    region,
    sha256: Hash.bind(null, 'sha256'),
    credentials: {
      accessKeyId: environment.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: environment.AWS_SECRET_ACCESS_KEY ?? '',
      ...(environment.AWS_SESSION_TOKEN && { sessionToken: environment.AWS_SESSION_TOKEN }),
    },
  });

  return async <T>(operation: string, input: object): Promise<T> => {
    const body = JSON.stringify(input);
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port ? Number(endpoint.port) : undefined,
        path: endpoint.pathname,
        headers: {
          host: endpoint.host,
          'content-type': `application/x-amz-json-${options.jsonVersion}`,
          'x-amz-target': `${options.targetPrefix}.${operation}`,
        },
        body,
      }),
    );
    let response: { status: number; text: string };
    try {
      response = await send(secure, agent, endpoint, signed.headers, body, options.timeoutMs ?? 5000);
    } catch (error) {
      throw new AutoscalerError(`${options.service} ${operation} failed: ${(error as Error).message}`, {
        kind: 'aws',
        retryable: true,
        cause: error,
      });
    }
    if (response.status >= 300) {
      const { __type = '', message = response.text.slice(0, 300) } = parseJson(response.text) as {
        __type?: string;
        message?: string;
      };
      throw new AutoscalerError(
        `${options.service} ${operation} failed (${response.status} ${__type.split('#').pop()}): ${message}`,
        { kind: 'aws', retryable: response.status >= 500 || /Throttl|RequestLimit/i.test(__type) },
      );
    }
    return parseJson(response.text) as T;
  };
}

function send(
  secure: boolean,
  agent: HttpAgent,
  endpoint: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(
      endpoint,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}
