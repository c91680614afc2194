import { errorMessage } from '../errors.ts';
import type { Log } from '../ports.ts';
import { settleBeforeDeadline } from '../util/deadline.ts';
import { CLUSTER_ADMIN_CONTEXT_KEY } from './buildPrerequisitesAccess.ts';
import type { ApiObject } from './clusterManifests.ts';
import { ClusterUnreachableError } from './clusterUnreachable.ts';
import { TIMER_CLOCK, untilAccessTakesEffect, type WaitClock } from './untilAccessTakesEffect.ts';

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
  /** Server-side applies the object, creating it if need be. */
  apply(object: ApiObject): Promise<void>;
  /** Deletes the object; one already gone counts as deleted. */
  remove(object: ApiObject): Promise<void>;
}

export interface PrerequisitesPorts {
  applier: ObjectApplier;
  log: Log;
  /** What the wait for a new access entry runs on (see untilAccessTakesEffect). @default timers */
  clock?: WaitClock;
}

/**
 * What the invocation keeps for itself once the deadline passes: the answer's PUT to CloudFormation,
 * which the adapter gives up after 10 s, and the log line. Without an answer CloudFormation would
 * wait for the custom resource's service timeout.
 */
export const PREREQUISITES_DEADLINE_MARGIN_MS = 15_000;

/** The custom resource's Lambda handler: handles the event before the deadline and answers CloudFormation. */
export function createPrerequisitesHandler(
  ports: PrerequisitesPorts & {
    respond: (responseUrl: string, response: CustomResourceResponse) => Promise<void>;
  },
): (event: CustomResourceEvent, context: { getRemainingTimeInMillis(): number }) => Promise<void> {
  return async (event, context) => {
    const deadline = AbortSignal.timeout(
      Math.max(0, context.getRemainingTimeInMillis() - PREREQUISITES_DEADLINE_MARGIN_MS),
    );
    const response = await handlePrerequisitesEvent(event, { ...ports, deadline });
    ports.log.info('cluster prerequisites', {
      requestType: event.RequestType,
      status: response.Status,
      reason: response.Reason,
    });
    await ports.respond(event.ResponseURL, response);
  };
}

/**
 * The cluster prerequisites as a CloudFormation custom resource, whose `Objects` property is the JSON
 * list to apply. Create and Update apply it, and an Update removes what the new list dropped. Delete
 * removes everything but the namespace, which may still hold the runners of jobs in flight.
 *
 * The cluster refusing this identity at first (401, 403) is waited out for a bounded time, since
 * the deploy makes its EKS access entry just before (untilAccessTakesEffect). Any other error becomes
 * a FAILED answer with its reason, and so does the deadline passing: the stack
 * rolls back instead of waiting an hour. Except on Delete when the cluster cannot be asked (it is
 * gone, or no longer knows or allows us, or does not answer in time): what is left is logged and the
 * answer is SUCCESS, since a failed Delete would block deleting the stack, and retrying cannot help.
 */
export async function handlePrerequisitesEvent(
  event: CustomResourceEvent,
  { applier, log, deadline, clock = TIMER_CLOCK }: PrerequisitesPorts & { deadline: AbortSignal },
): Promise<CustomResourceResponse> {
  const answer = (Status: CustomResourceResponse['Status'], Reason: string): CustomResourceResponse => ({
    Status,
    Reason,
    PhysicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}-cluster-prerequisites`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const inTime = (work: Promise<void>) => settleBeforeDeadline(deadline, work, noAnswerInTime);
  const remove = (object: ApiObject) => inTime(applier.remove(object));
  try {
    const objects = JSON.parse(event.ResourceProperties.Objects) as ApiObject[];
    if (event.RequestType === 'Delete')
      return answer('SUCCESS', await removeAllButNamespace(objects, remove, log));
    // The function's access entry is made just before: until the first object applies, a refusal may
    // be EKS not having applied it yet. After that, one is final.
    const [first, ...rest] = objects;
    if (first) await inTime(untilAccessTakesEffect(() => applier.apply(first), { clock, log }));
    for (const object of rest) await inTime(applier.apply(object));
    const previous = JSON.parse(event.OldResourceProperties?.Objects ?? '[]') as ApiObject[];
    const dropped = previous.filter((old) => !objects.some((object) => sameObject(object, old)));
    const { error } = await removeLastFirst(dropped.filter(isNotNamespace), remove);
    if (error !== undefined) throw error;
    return answer('SUCCESS', `applied ${objects.length} objects, removed ${dropped.length}`);
  } catch (error) {
    return answer('FAILED', failureReason(error));
  }
}

/** Says what it removed, or what it left behind when the cluster cannot be asked; rejects on any other error. */
async function removeAllButNamespace(
  objects: readonly ApiObject[],
  remove: (object: ApiObject) => Promise<void>,
  log: Log,
): Promise<string> {
  const { left, error } = await removeLastFirst(objects.filter(isNotNamespace), remove);
  if (error === undefined) return 'removed the cluster prerequisites, keeping the namespace';
  if (!(error instanceof ClusterUnreachableError)) throw error;
  const leftBehind = left.map(describeObject);
  log.warn('cluster prerequisites left behind', { leftBehind, reason: error.message });
  const reason = `left in the cluster, which cannot be reached: ${leftBehind.join(', ')} (and the namespace, kept on every Delete). ${error.message}`;
  return reason.slice(0, 1000);
}

/** Removes the objects last first, so what lives in another goes before it; says which were left if one fails. */
async function removeLastFirst(
  objects: readonly ApiObject[],
  remove: (object: ApiObject) => Promise<void>,
): Promise<{ left: ApiObject[]; error?: unknown }> {
  const left = [...objects];
  for (const object of [...objects].reverse()) {
    try {
      await remove(object);
    } catch (error) {
      return { left, error };
    }
    left.pop();
  }
  return { left };
}

function noAnswerInTime(): ClusterUnreachableError {
  return new ClusterUnreachableError(
    'no-answer',
    `the cluster did not answer by the deadline (the invocation's remaining time less ${PREREQUISITES_DEADLINE_MARGIN_MS / 1000} s)`,
  );
}

function failureReason(error: unknown): string {
  const reason = errorMessage(error).slice(0, 700);
  if (!(error instanceof ClusterUnreachableError && error.because === 'forbidden')) return reason;
  return (
    `${reason}. The prerequisites function may do only what its RBAC in the cluster allows, which a ` +
    `deploy with -c ${CLUSTER_ADMIN_CONTEXT_KEY}=true installs or brings up to date (README, Deploy)`
  );
}

function isNotNamespace(object: ApiObject): boolean {
  return object.kind !== 'Namespace';
}

function sameObject(a: ApiObject, b: ApiObject): boolean {
  return (
    a.kind === b.kind && a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace
  );
}

/** `DaemonSet github-runners/eks-runner-autoscaler-dockerd-linux-docker`, `PriorityClass …`. */
export function describeObject(object: ApiObject): string {
  const namespace = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${namespace}${object.metadata.name}`;
}
