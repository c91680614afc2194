import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AutoscalerError } from '../errors.ts';

export interface AwsApiOptions {
  /** Signing name and endpoint prefix, e.g. "sqs", "secretsmanager" or "eks". */
  service: string;
  environment?: NodeJS.ProcessEnv;
  /** Abandon a call after this long. @default 5000 */
  timeoutMs?: number;
}

export interface AwsJsonApiOptions extends AwsApiOptions {
  /** "1.0" for SQS, "1.1" for Secrets Manager. */
  jsonVersion: '1.0' | '1.1';
  /** Prefix of the X-Amz-Target header, e.g. "AmazonSQS". */
  targetPrefix: string;
}

/** One call of an AWS API: the operation names it in errors. */
export interface AwsApiRequest {
  operation: string;
  method: 'GET' | 'POST';
  /** Below the endpoint's path, for REST APIs such as EKS. @default the endpoint's path */
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** An AWS API answered with an error; `code` is its type, e.g. "ResourceNotFoundException". */
export class AwsApiError extends AutoscalerError {
  override name = 'AwsApiError';
  readonly code: string;

  constructor(message: string, options: { code: string; retryable: boolean }) {
    super(message, { kind: 'aws', retryable: options.retryable });
    this.code = options.code;
  }
}

/** The credentials Lambda puts in the environment of a function, for its role. */
export function environmentCredentials(environment: NodeJS.ProcessEnv = process.env): AwsCredentialIdentity {
  return {
    accessKeyId: environment.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: environment.AWS_SECRET_ACCESS_KEY ?? '',
    ...(environment.AWS_SESSION_TOKEN && { sessionToken: environment.AWS_SESSION_TOKEN }),
  };
}

/**
 * Calls an AWS service's JSON protocol (SQS, Secrets Manager): a POST naming the operation in
 * X-Amz-Target. See awsApi.
 */
export function awsJsonApi(options: AwsJsonApiOptions): <T>(operation: string, input: object) => Promise<T> {
  const call = awsApi(options);
  return <T>(operation: string, input: object) =>
    call<T>({
      operation,
      method: 'POST',
      headers: {
        'content-type': `application/x-amz-json-${options.jsonVersion}`,
        'x-amz-target': `${options.targetPrefix}.${operation}`,
      },
      body: JSON.stringify(input),
    });
}

/**
 * Calls an AWS API that answers JSON, signed by @smithy/signature-v4 with the credentials Lambda
 * puts in the environment, over a kept-alive connection. It loads in a few milliseconds where an
 * AWS SDK v3 client takes about a hundred, which is most of a cold start, and each call costs about
 * what the SDK's does. `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` point it elsewhere, as
 * they do the SDK.
 */
export function awsApi(options: AwsApiOptions): <T>(request: AwsApiRequest) => Promise<T> {
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
    credentials: environmentCredentials(environment),
  });

  return async <T>(request: AwsApiRequest): Promise<T> => {
    const url = new URL(endpoint);
    if (request.path) url.pathname = `${endpoint.pathname.replace(/\/$/, '')}${request.path}`;
    const signed = await signer.sign(
      new HttpRequest({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        headers: { host: url.host, ...request.headers },
        body: request.body,
      }),
    );
    const failed = `${options.service} ${request.operation} failed`;
    let response: AwsAnswer;
    try {
      response = await send(secure, agent, url, request, signed.headers, options.timeoutMs ?? 5000);
    } catch (error) {
      throw new AutoscalerError(`${failed}: ${(error as Error).message}`, {
        kind: 'aws',
        retryable: true,
        cause: error,
      });
    }
    if (response.status >= 300) {
      const body = parseJson(response.text) as { __type?: string; message?: string; Message?: string };
      // JSON protocols name the error in the body's __type, REST ones in a header.
      const code = (response.errorType ?? body.__type ?? '').split(':')[0]?.split('#').pop() ?? '';
      const message = body.message ?? body.Message ?? response.text.slice(0, 300);
      throw new AwsApiError(`${failed} (${response.status} ${code}): ${message}`, {
        code,
        retryable: response.status >= 500 || /Throttl|RequestLimit/i.test(code),
      });
    }
    return parseJson(response.text) as T;
  };
}

interface AwsAnswer {
  status: number;
  text: string;
  errorType: string | undefined;
}

function send(
  secure: boolean,
  agent: HttpAgent,
  url: URL,
  request: AwsApiRequest,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<AwsAnswer> {
  const body = request.body ?? '';
  return new Promise((resolve, reject) => {
    const outgoing = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: request.method,
        agent,
        headers: { ...headers, ...(body && { 'content-length': Buffer.byteLength(body) }) },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const errorType = response.headers['x-amzn-errortype'];
          resolve({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            errorType: Array.isArray(errorType) ? errorType[0] : errorType,
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}
