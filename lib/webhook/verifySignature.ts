import { verifyWithFallback } from '@octokit/webhooks-methods';
import type { WebhookSecrets } from '../ports.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type SignatureCheck =
  | { valid: true; body: string }
  | { valid: false; reason: 'signature' | 'encoding' };

/**
 * Checks `X-Hub-Signature-256` against the raw body with @octokit/webhooks-methods (constant-time),
 * accepting the previous secret during a rotation. The body must be UTF-8, as GitHub's always is: a
 * strict decode makes the string hold exactly the bytes that were signed.
 */
export async function verifySignature(
  rawBody: Uint8Array,
  signature: string,
  secrets: WebhookSecrets,
): Promise<SignatureCheck> {
  let body: string;
  try {
    body = strictUtf8.decode(rawBody);
  } catch {
    return { valid: false, reason: 'encoding' };
  }
  const previous = secrets.previous ? [secrets.previous] : undefined;
  const valid = body.length > 0 && (await verifyWithFallback(secrets.current, body, signature, previous));
  return valid ? { valid: true, body } : { valid: false, reason: 'signature' };
}
