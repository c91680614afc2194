import { type JobMessage, jobMessageSchema } from '../jobMessage.ts';
import type { RunnerPod } from '../ports.ts';
import type { InfrastructureKillReason } from '../telemetry/metricCatalog.ts';
import { ANNOTATION } from './labels.ts';

/** The `queued` message a runner pod was made for, from its `job` annotation; undefined if unreadable. */
export function jobOfPod(pod: RunnerPod): JobMessage | undefined {
  return parsedMessage(pod.annotations[ANNOTATION.job]);
}

/** The `in_progress` message of the job the runner took, from its `running-job` annotation. */
export function runningJobOfPod(pod: RunnerPod): JobMessage | undefined {
  return parsedMessage(pod.annotations[ANNOTATION.runningJob]);
}

/**
 * The `rerun` message for the job a runner was running when the infrastructure killed it: the job
 * given, or else the one the pod says it took. Undefined when the pod was not killed that way, or
 * its re-run is queued already.
 */
export function rerunOfKilledJob(pod: RunnerPod, ranJob = runningJobOfPod(pod)): JobMessage | undefined {
  if (!pod.killedBy || !ranJob || pod.annotations[ANNOTATION.rerunQueued]) return undefined;
  return rerunMessage(ranJob, pod.killedBy);
}

/** The `rerun` message for a job the infrastructure killed. */
export function rerunMessage(ranJob: JobMessage, killedBy: InfrastructureKillReason): JobMessage {
  const { podName: _ownPod, ...job } = ranJob;
  return { ...job, action: 'rerun', killedBy, attempt: 0, failures: 0 };
}

function parsedMessage(text: string | undefined): JobMessage | undefined {
  if (!text) return undefined;
  try {
    const parsed = jobMessageSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
