import { sizedRunnerClass } from '../config/jobSizing.ts';
import type { JobMessage } from '../jobMessage.ts';
import { buildRunnerPod } from '../pod/buildRunnerPod.ts';
import { buildRunnerSecret } from '../pod/buildRunnerSecret.ts';
import { ANNOTATION } from '../pod/labels.ts';
import { runnerSecretName } from '../pod/runnerNames.ts';
import type { JobStatus, RunnerCluster, RunnerPod } from '../ports.ts';
import { parkWaitingJob } from '../runners/parkWaitingJob.ts';
import { type RunnerScope, runnerRegistrationUrl, runnerScopeForJob } from '../runners/runnerScope.ts';
import { secondsBetween } from '../util/secondsBetween.ts';
import { CREATE_WITHIN_MS } from './allocatePlaces.ts';
import { done, failed, handOverLater, type JobOutcome, retryLater } from './jobOutcome.ts';
import { capacityRetryDelaySeconds } from './retryDelay.ts';
import { runnerGroupClosed } from './runnerGroupClosed.ts';
import { findRunnerClass, type ScalerContext } from './scalerContext.ts';

/** A gated pod without its Secret this old was left by a scaler that died or was cut off mid-way; it is replaced. */
export const STALE_REGISTRATION_SECONDS = 60;
/** A `queued` first seen this long after GitHub queued the job came late or again (see isLateQueued). */
export const LATE_QUEUED_SECONDS = 60;
const REGISTRATION_IN_PROGRESS_DELAY_SECONDS = 10;
const LEAVING_POD_DELAY_SECONDS = 5;

/**
 * `queued`: make sure exactly one runner pod exists for the job. The pod name comes from the job, so
 * the API server's AlreadyExists turns every duplicate delivery into a no-op.
 */
export async function ensureRunnerPod(message: JobMessage, context: ScalerContext): Promise<JobOutcome> {
  const configured = findRunnerClass(context.config, message.runnerClass);
  if (!configured) return failed(`runner class "${message.runnerClass}" is no longer configured`);
  const sized = sizedRunnerClass(configured, message.labels);
  if ('refused' in sized) return done(`job ${message.jobId} gets no runner: ${sized.refused}`);
  const { runnerClass } = sized;

  const status = await statusOfLateQueued(message, context);
  if (status === 'waiting') return parkUntilApproved(message, context);
  if (status && status !== 'queued')
    return done(`job ${message.jobId} is ${status} on GitHub already; no runner made`);

  const scope = runnerScopeForJob(message, context.config.github);
  const noRunnerGroup = await runnerGroupClosed(message, scope, context);
  if (noRunnerGroup) return noRunnerGroup;
  const pod = buildRunnerPod(message, runnerClass, {
    namespace: context.config.cluster.namespace,
    registrationMode: context.config.github.registrationMode,
    registrationUrl: runnerRegistrationUrl(context.config.github.apiUrl, scope),
  });
  const podName = pod.metadata?.name ?? '';
  const askedAt = context.now().getTime();
  if (!(await context.capacity.tryReserve(runnerClass, podName))) {
    context.metrics.record('AtCapacityRejections', 1, { RunnerClass: runnerClass.name });
    return retryLater(
      `class ${runnerClass.name} is at capacity (${runnerClass.maxRunners} runners)`,
      capacityRetryDelaySeconds(message.attempt),
    );
  }
  // Other scalers count a place granted for a pod they do not see for a limited time only.
  if (context.now().getTime() - askedAt > CREATE_WITHIN_MS)
    return retryLater('the place came too late to create the pod within its time', 1);
  // A place left unused (the pod exists already, or creation fails) lapses by itself.
  const creation = await context.cluster.createPod(pod);
  if ('exists' in creation) return await resumeExistingPod(podName, context);
  return await registerRunner(creation.created, { message, scope, labels: runnerClass.labels }, context);
}

/**
 * A `queued` first seen long after GitHub queued the job: a late delivery, a redelivery, or a job put
 * back while GitHub held it for an approval (see parkWaitingJob). Retries, already read or just
 * refused, are not.
 */
export function isLateQueued(message: JobMessage, now: Date): boolean {
  if (message.attempt > 0) return false;
  const ageSeconds = secondsBetween(message.createdAt, now.toISOString());
  return ageSeconds !== undefined && ageSeconds >= LATE_QUEUED_SECONDS;
}

/**
 * GitHub's status of a job whose `queued` came late (undefined for the others): it may have
 * finished, or taken another runner, meanwhile, and a pod made now would be a spare that nothing
 * takes; or it may wait for an approval. One read of the job then saves a pod and a registration
 * (the scarcer GitHub call). Fresh deliveries, the common case, cost no call.
 */
async function statusOfLateQueued(
  message: JobMessage,
  context: ScalerContext,
): Promise<JobStatus | undefined> {
  if (!isLateQueued(message, context.now())) return undefined;
  return (await context.registry.readJob(message)).status;
}

/** A job GitHub holds for an approval gets no runner yet, nor a place: it is looked at again later. */
function parkUntilApproved(message: JobMessage, context: ScalerContext): JobOutcome {
  const { waitingJobMaxHours } = context.config.reconciler;
  const parked = parkWaitingJob(message, context.config.reconciler, context.now());
  if (!parked)
    return done(
      `job ${message.jobId} still waits for an approval after ${waitingJobMaxHours} h; no longer looked at`,
    );
  context.metrics.record('JobsWaitingForApproval', 1, { RunnerClass: message.runnerClass });
  return handOverLater(
    `job ${message.jobId} waits for an approval on GitHub; no runner made, looked at again in ${parked.delaySeconds} s`,
    parked,
  );
}

/**
 * Registers a runner pod just created (gated) on GitHub, stores its registration in the pod's Secret
 * and lifts the gate; a job's runner, or a warm pool's (see createWarmRunner).
 */
export async function registerRunner(
  pod: RunnerPod,
  {
    message,
    scope,
    labels,
  }: { message: Pick<JobMessage, 'installationId' | 'runnerClass'>; scope: RunnerScope; labels: string[] },
  context: Pick<ScalerContext, 'cluster' | 'registry' | 'config' | 'log' | 'metrics'>,
): Promise<JobOutcome> {
  const registration = await context.registry
    .register({ installationId: message.installationId, scope, name: pod.name, labels })
    .catch(async (error: unknown) => {
      // Roll back, so the retry starts from nothing rather than from a pod that can never start.
      await context.cluster.deletePod(pod).catch(() => undefined);
      throw error;
    });

  await context.cluster.createSecret(
    buildRunnerSecret(
      {
        name: pod.name,
        uid: pod.uid,
        namespace: context.config.cluster.namespace,
        runnerClassName: message.runnerClass,
      },
      registration,
    ),
  );
  const annotations: Record<string, string> =
    registration.kind === 'jit' ? { [ANNOTATION.runnerId]: String(registration.runnerId) } : {};
  if (!(await context.cluster.releasePod(pod, annotations))) {
    // Someone removed the pod while we registered it (the job was cancelled): drop the registration too.
    const runnerId = registration.kind === 'jit' ? registration.runnerId : undefined;
    await context.registry.deregister({
      installationId: message.installationId,
      scope,
      name: pod.name,
      id: runnerId,
    });
    return done('pod removed while registering; registration withdrawn');
  }
  context.log.info('runner pod created', { podName: pod.name });
  context.metrics.record('RunnerPodsCreated', 1, { RunnerClass: message.runnerClass });
  return done('created');
}

/**
 * A gated pod whose own Secret holds its registration (its creator stored it, then died or lost the
 * release): lifts the gate, with the runner's ID as at creation; without it, a late delivery about an
 * earlier pod of this name could take this one for its runner (see isRunnerOfJob). False, and nothing
 * done, when the pod has no Secret of its own.
 */
export async function finishStoredRegistration(
  pod: RunnerPod,
  cluster: Pick<RunnerCluster, 'readSecret' | 'releasePod'>,
): Promise<boolean> {
  const secret = await cluster.readSecret(runnerSecretName(pod.name));
  if (secret?.ownerUid !== pod.uid) return false;
  const runnerId = secret.annotations[ANNOTATION.runnerId];
  await cluster.releasePod(pod, runnerId ? { [ANNOTATION.runnerId]: runnerId } : {});
  return true;
}

async function resumeExistingPod(podName: string, context: ScalerContext): Promise<JobOutcome> {
  const pod = await context.cluster.readPod(podName);
  if (!pod) return retryLater('pod vanished while checking it', REGISTRATION_IN_PROGRESS_DELAY_SECONDS);
  if (pod.deleting || pod.phase === 'Failed') {
    // The reconciler is replacing a runner that could not start: make the new one once the old is gone.
    return retryLater('the earlier runner pod of this job is still being removed', LEAVING_POD_DELAY_SECONDS);
  }
  if (!pod.gated) return done('already exists');
  if (await finishStoredRegistration(pod, context.cluster))
    return done('finished an interrupted registration');
  const ageSeconds = (context.now().getTime() - pod.createdAt.getTime()) / 1000;
  if (ageSeconds < STALE_REGISTRATION_SECONDS) {
    return retryLater('another delivery is registering this runner', REGISTRATION_IN_PROGRESS_DELAY_SECONDS);
  }
  if (await context.cluster.deletePod(pod)) {
    context.metrics.record('RunnerPodsDeleted', 1, {
      RunnerClass: pod.runnerClass,
      Reason: 'abandoned-registration',
    });
  }
  context.log.warn('removed a runner pod whose registration never finished', { podName, ageSeconds });
  return retryLater('replacing an abandoned registration', 1);
}
