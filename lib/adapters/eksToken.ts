import { Sha256 } from '@aws-crypto/sha256-js';
import type { AwsCredentialIdentity, Provider } from '@aws-sdk/types';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** A bearer token for the EKS API server, as `aws eks get-token` makes it, with no call to STS. */
export interface EksToken {
  token: string;
  /** EKS accepts the token for 15 minutes after signing. */
  expiresAt: Date;
}

const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/**
 * Presigns an STS GetCallerIdentity request that names the cluster in the signed `x-k8s-aws-id`
 * header; the API server's authenticator replays it to learn who we are.
 */
export async function createEksToken(options: {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  signingDate?: Date;
}): Promise<EksToken> {
  const signingDate = options.signingDate ?? new Date();
  const hostname = `sts.${options.region}.amazonaws.com`;
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: 'sts',
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname,
    path: '/',
    headers: { host: hostname, 'x-k8s-aws-id': options.clusterName },
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
  });
  const signed = await signer.presign(request, { expiresIn: 60, signingDate });
  const query = new URLSearchParams(signed.query as Record<string, string>).toString();
  const url = `https://${hostname}/?${query}`;
  return {
    token: `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`,
    expiresAt: new Date(signingDate.getTime() + TOKEN_LIFETIME_MS),
  };
}
