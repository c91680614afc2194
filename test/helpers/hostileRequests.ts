import { createHmac } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import type { RejectReason } from '../../lib/telemetry/metricCatalog.ts';
import type { WebhookRequest } from '../../lib/webhook/handleWebhookRequest.ts';
import { workflowJobExamples } from './examples.ts';
import { signedDelivery, WEBHOOK_SECRET } from './webhookRequests.ts';

/** A queued job for the linux-small class, from a real example with our labels and org. */
export function queuedJob() {
  const example = structuredClone(
    workflowJobExamples().find((candidate) => candidate.action === 'queued' && candidate.installation),
  );
  if (!example) throw new Error('no queued example');
  example.workflow_job.labels = ['self-hosted', 'linux', 'small'];
  example.organization = { login: 'acme' };
  return example;
}

/** A `workflow_job` event of GitHub's example shape for one job: its action, ID, labels and other fields. */
export function workflowJobEvent(
  action: string,
  job: { id: number; labels: string[] } & Record<string, unknown>,
) {
  const template = queuedJob();
  return { ...template, action, workflow_job: { ...template.workflow_job, ...job } };
}

export type HostileCase = [
  name: string,
  request: () => Promise<WebhookRequest>,
  status: number,
  body: RegExp,
  /** The `Reason` it is counted under in the WebhooksRejected metric. */
  reason: RejectReason,
];

const withHeaders = async (headers: Record<string, string | undefined>, payload: unknown = queuedJob()) => {
  const request = await signedDelivery(payload);
  return { ...request, headers: { ...request.headers, ...headers } };
};

/** Requests that must be refused, each with the status and answer it must get. */
export const hostileRequests = (maxBodyBytes: number): HostileCase[] => [
  [
    'a GET',
    async () => ({ ...(await signedDelivery(queuedJob())), method: 'GET' }),
    405,
    /only POST/,
    'method',
  ],
  [
    'a form-encoded delivery',
    async () => withHeaders({ 'content-type': 'application/x-www-form-urlencoded' }),
    415,
    /set the content type to application\/json/,
    'content-type',
  ],
  [
    'a body over the limit',
    async () => signedDelivery({ ...queuedJob(), padding: 'x'.repeat(maxBodyBytes) }),
    413,
    new RegExp(`larger than ${maxBodyBytes} bytes`),
    'too-large',
  ],
  [
    'no signature',
    async () => withHeaders({ 'x-hub-signature-256': undefined }),
    400,
    /missing X-Hub-Signature-256/,
    'headers',
  ],
  [
    'no event header',
    async () => withHeaders({ 'x-github-event': undefined }),
    400,
    /missing X-GitHub-Event/,
    'headers',
  ],
  [
    'no delivery header',
    async () => withHeaders({ 'x-github-delivery': undefined }),
    400,
    /missing X-GitHub-Delivery/,
    'headers',
  ],
  [
    'a forged signature',
    async () => signedDelivery(queuedJob(), { secret: 'attacker guess' }),
    401,
    /signature does not match/,
    'signature',
  ],
  [
    'a valid signature over another body',
    async () => {
      const genuine = await signedDelivery(queuedJob());
      const tampered = JSON.stringify({ ...queuedJob(), action: 'completed' });
      return { ...genuine, body: Buffer.from(tampered) };
    },
    401,
    /signature does not match/,
    'signature',
  ],
  [
    'signed malformed JSON',
    async () => signedDelivery('{"action": "queued",'),
    400,
    /not valid JSON/,
    'payload',
  ],
  [
    'signed JSON that is not a workflow_job',
    async () => signedDelivery({ action: 'queued', workflow_job: { id: 'seven' } }),
    400,
    /not a workflow_job payload: workflow_job\.id/,
    'payload',
  ],
  [
    'a body that is not UTF-8',
    async () => {
      const body = Buffer.from([0x7b, 0xff, 0x7d]);
      const request = await signedDelivery('{}');
      return {
        ...request,
        body,
        headers: { ...request.headers, 'x-hub-signature-256': await sign(WEBHOOK_SECRET, body.toString()) },
      };
    },
    400,
    /not UTF-8/,
    'payload',
  ],
  [
    'an empty body with the signature of an empty body',
    async () => {
      const request = await signedDelivery('{}');
      const emptySignature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update('').digest('hex')}`;
      return {
        ...request,
        body: Buffer.alloc(0),
        headers: { ...request.headers, 'x-hub-signature-256': emptySignature },
      };
    },
    401,
    /signature/,
    'signature',
  ],
];
