/** Labels and annotations on everything the autoscaler makes; the cluster is queried by these. */
const PREFIX = 'eks-runner-autoscaler.io';

export const MANAGED_BY = 'eks-runner-autoscaler';

export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  runnerClass: `${PREFIX}/class`,
  jobId: `${PREFIX}/job-id`,
} as const;

export const ANNOTATION = {
  repository: `${PREFIX}/repository`,
  runId: `${PREFIX}/run-id`,
  deliveryId: `${PREFIX}/delivery-id`,
  queuedAt: `${PREFIX}/queued-at`,
  runnerId: `${PREFIX}/runner-id`,
  /** The job the runner actually took, from `in_progress`; it may differ from the job it was made for. */
  runningJobId: `${PREFIX}/running-job-id`,
  /** That job's `in_progress` message (JSON), from which a job killed with its runner can be re-run. */
  runningJob: `${PREFIX}/running-job`,
  /** The `queued` message the pod was made for (JSON), from which the reconciler can make it again. */
  job: `${PREFIX}/job`,
  /** The re-run of the job this runner was killed in is queued already (by the scaler or reconciler). */
  rerunQueued: `${PREFIX}/rerun-queued`,
  /** The job this runner was made for no longer needs it, so the job it runs leaves a spare behind. */
  ownJobFinished: `${PREFIX}/own-job-finished`,
  /** A warm pool's runner, made for no job: where it registered (JSON, see warmRunner). */
  warm: `${PREFIX}/warm`,
  /** The reconciler found this warm runner busy, its `in_progress` not (yet) handled. */
  warmTaken: `${PREFIX}/warm-taken`,
} as const;

/** Holds a new pod back from scheduling until its runner Secret exists. */
export const REGISTRATION_GATE = `${PREFIX}/runner-registration`;

export function managedPodSelector(runnerClassName?: string): string {
  const selector = `${LABEL.managedBy}=${MANAGED_BY}`;
  return runnerClassName ? `${selector},${LABEL.runnerClass}=${runnerClassName}` : selector;
}
