import { AwsClient } from 'aws4fetch';
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
 * Calls an AWS service's JSON protocol through aws4fetch, signed with the function's credentials from
 * the environment (as Lambda provides them). It loads in a few milliseconds where an AWS SDK v3
 * client takes about a hundred, which is most of a cold start. `AWS_ENDPOINT_URL_<SERVICE>` or
 * `AWS_ENDPOINT_URL` point it elsewhere, as they do the SDK.
 */
export function awsJsonApi(options: AwsJsonApiOptions): <T>(operation: string, input: object) => Promise<T> {
  const environment = options.environment ?? process.env;
  const region = environment.AWS_REGION ?? environment.AWS_DEFAULT_REGION ?? 'us-east-1';
  const endpoint =
    environment[`AWS_ENDPOINT_URL_${options.service.toUpperCase()}`] ??
    environment.AWS_ENDPOINT_URL ??
    `https://${options.service}.${region}.amazonaws.com`;
  const client = new AwsClient({
    accessKeyId: environment.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: environment.AWS_SECRET_ACCESS_KEY ?? '',
    ...(environment.AWS_SESSION_TOKEN && { sessionToken: environment.AWS_SESSION_TOKEN }),
    region,
    service: options.service,
    retries: 2,
  });

  return async <T>(operation: string, input: object): Promise<T> => {
    let response: Response;
    try {
      response = await client.fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': `application/x-amz-json-${options.jsonVersion}`,
          'x-amz-target': `${options.targetPrefix}.${operation}`,
        },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
    } catch (error) {
      throw new AutoscalerError(`${options.service} ${operation} failed: ${(error as Error).message}`, {
        retryable: true,
        cause: error,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      const { __type = '', message = text.slice(0, 300) } = parseJson(text) as {
        __type?: string;
        message?: string;
      };
      throw new AutoscalerError(
        `${options.service} ${operation} failed (${response.status} ${__type.split('#').pop()}): ${message}`,
        { retryable: response.status >= 500 || /Throttl|RequestLimit/i.test(__type) },
      );
    }
    return parseJson(text) as T;
  };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}
