import { sign } from '@octokit/webhooks-methods';
import type { WebhookRequest } from '../../lib/webhook/handleWebhookRequest.ts';

export const WEBHOOK_SECRET = 'test-webhook-secret';

/** A delivery as GitHub sends it, signed with @octokit/webhooks-methods. */
export async function signedDelivery(
  payload: unknown,
  options: { event?: string; deliveryId?: string; secret?: string } = {},
): Promise<WebhookRequest> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': options.event ?? 'workflow_job',
      'x-github-delivery': options.deliveryId ?? crypto.randomUUID(),
      'x-hub-signature-256': await sign(options.secret ?? WEBHOOK_SECRET, body),
    },
    body: Buffer.from(body),
  };
}
