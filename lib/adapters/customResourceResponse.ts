import type { CustomResourceResponse } from '../cluster/prerequisitesResource.ts';

/** Sends the answer to the pre-signed S3 URL CloudFormation waits on, giving up after 10 s. */
export async function sendCustomResourceResponse(
  responseUrl: string,
  response: CustomResourceResponse,
): Promise<void> {
  const body = JSON.stringify(response);
  const sent = await fetch(responseUrl, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!sent.ok) throw new Error(`CloudFormation response was refused: ${sent.status} ${await sent.text()}`);
}
