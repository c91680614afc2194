import type { KubernetesObject } from '@kubernetes/client-node';
import { errorMessage } from '../errors.ts';

/** The part of a CloudFormation custom resource request this resource reads. */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: { Objects: string };
  OldResourceProperties?: { Objects: string };
}

export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
}

export interface ObjectApplier {
  apply(objects: readonly KubernetesObject[]): Promise<void>;
  remove(objects: readonly KubernetesObject[]): Promise<void>;
}

/**
 * The cluster prerequisites as a CloudFormation custom resource, whose `Objects` property is the JSON
 * list to apply. Create and Update apply it, and an Update removes what the new list dropped. Delete
 * removes everything but the namespace, which may still hold the runners of jobs in flight. Any error
 * becomes a FAILED answer with its reason: the stack rolls back instead of waiting an hour.
 */
export async function handlePrerequisitesEvent(
  event: CustomResourceEvent,
  applier: ObjectApplier,
): Promise<CustomResourceResponse> {
  const answer = (Status: CustomResourceResponse['Status'], Reason: string): CustomResourceResponse => ({
    Status,
    Reason,
    PhysicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}-cluster-prerequisites`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  try {
    const objects = JSON.parse(event.ResourceProperties.Objects) as KubernetesObject[];
    if (event.RequestType === 'Delete') {
      await applier.remove(objects.filter((object) => object.kind !== 'Namespace'));
      return answer('SUCCESS', 'removed the cluster prerequisites, keeping the namespace');
    }
    await applier.apply(objects);
    const previous = JSON.parse(event.OldResourceProperties?.Objects ?? '[]') as KubernetesObject[];
    const dropped = previous.filter((old) => !objects.some((object) => sameObject(object, old)));
    await applier.remove(dropped.filter((object) => object.kind !== 'Namespace'));
    return answer('SUCCESS', `applied ${objects.length} objects, removed ${dropped.length}`);
  } catch (error) {
    return answer('FAILED', errorMessage(error).slice(0, 1000));
  }
}

function sameObject(a: KubernetesObject, b: KubernetesObject): boolean {
  return (
    a.kind === b.kind &&
    a.metadata?.name === b.metadata?.name &&
    a.metadata?.namespace === b.metadata?.namespace
  );
}

/** Sends the answer to the pre-signed S3 URL CloudFormation waits on. */
export async function sendCustomResourceResponse(
  responseUrl: string,
  response: CustomResourceResponse,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const body = JSON.stringify(response);
  const sent = await fetchImpl(responseUrl, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!sent.ok) throw new Error(`CloudFormation response was refused: ${sent.status} ${await sent.text()}`);
}
