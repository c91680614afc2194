/**
 * Every metric the autoscaler emits, with its unit and dimensions. The functions record them, the
 * CloudWatch dashboard and alarms read them, and the local status page shows them: all three import
 * this one list, so a name cannot drift between them.
 */
export const METRICS = {
  /** `workflow_job` deliveries queued for the scaler, by action (from the webhook). */
  JobsQueued: { unit: 'Count', dimensions: ['RunnerClass'] },
  JobsStarted: { unit: 'Count', dimensions: ['RunnerClass'] },
  JobsCompleted: { unit: 'Count', dimensions: ['RunnerClass'] },
  /** How long a job waited for a runner: GitHub's `started_at` minus its `created_at`. */
  JobWaitTime: { unit: 'Seconds', dimensions: ['RunnerClass'] },
  /** From the runner pod's creation to GitHub starting a job on it. */
  RunnerStartLatency: { unit: 'Seconds', dimensions: ['RunnerClass'] },
  RunnerPodsCreated: { unit: 'Count', dimensions: ['RunnerClass'] },
  RunnerPodsDeleted: { unit: 'Count', dimensions: ['RunnerClass', 'Reason'] },
  /** Census: runner pods in each phase, sampled every minute. */
  RunnerPods: { unit: 'Count', dimensions: ['RunnerClass', 'Phase'] },
  /** Census: runner pods that failed or cannot start, by why. */
  RunnerPodsFailing: { unit: 'Count', dimensions: ['RunnerClass', 'Reason'] },
  /** Census: the class's `maxRunners`, drawn beside its live pods. */
  RunnerCapacity: { unit: 'Count', dimensions: ['RunnerClass'] },
  /** Census: live runner pods that Karpenter and Cluster Autoscaler may not evict. */
  RunnersProtected: { unit: 'Count', dimensions: ['RunnerClass'] },
  /** Runner pods that had taken a job and were ended by the infrastructure, not the job, by why. */
  InfrastructureKills: { unit: 'Count', dimensions: ['RunnerClass', 'Reason'] },
  /** Jobs that GitHub was asked to re-run because the infrastructure killed their runner. */
  JobReruns: { unit: 'Count', dimensions: ['RunnerClass'] },
  /**
   * How long a job has waited for a runner so far, each time the scaler puts its `queued` back to
   * wait (at capacity, rate-limited, after an error): since GitHub's `created_at`, or, for a `queued`
   * first seen late, since the scaler first saw it (the time before may have gone on an approval).
   * Its Maximum is the job waiting longest, which the queue's oldest-message age cannot see: every
   * retry is a new message.
   */
  JobWaitingSeconds: { unit: 'Seconds', dimensions: ['RunnerClass'] },
  /**
   * Jobs found held by GitHub for an approval (status `waiting`) and put back to be looked at again,
   * holding no runner: once when the reconciler removes the runner made for one, and at each later
   * look that finds it still waiting (see parkWaitingJob).
   */
  JobsWaitingForApproval: { unit: 'Count', dimensions: ['RunnerClass'] },
  /**
   * Jobs given no runner because the runner group our runners join may not run their repository's
   * jobs (see runnerGroupClosed): such a job would hold a runner and a place until it gave up.
   */
  JobsNoRunnerGroupOpen: { unit: 'Count', dimensions: ['RunnerClass'] },
  /**
   * Jobs a warm pool's runner served: counted once, when the warm runner is removed after its job
   * (by the job's `completed`, or by the reconciler once it finished).
   */
  JobsServedByWarmRunners: { unit: 'Count', dimensions: ['RunnerClass'] },
  /** Census: the class's warm pool size now, as its schedules set it (0 without a pool). */
  WarmPoolTarget: { unit: 'Count', dimensions: ['RunnerClass'] },
  /** Census: warm runners alive that took no job, as far as the cluster knows. */
  WarmRunnersIdle: { unit: 'Count', dimensions: ['RunnerClass'] },
  /** Jobs queued again by the reconciler because their runner pod could not start. */
  RunnerReplacements: { unit: 'Count', dimensions: ['RunnerClass'] },
  /** GitHub API calls a reconciler run made, by the App's ID: its cost, bounded per run. */
  ReconcilerGitHubCalls: { unit: 'Count', dimensions: ['App'] },
  /** `workflow_job` deliveries that failed and that the reconciler asked GitHub to deliver again. */
  WebhooksRedelivered: { unit: 'Count', dimensions: ['App'] },
  /** Jobs sent back to wait because their class had no free place. */
  AtCapacityRejections: { unit: 'Count', dimensions: ['RunnerClass'] },
  /** The remaining GitHub REST quota of the installation that answered last, by the App's ID. */
  GitHubRateLimitRemaining: { unit: 'Count', dimensions: ['App'] },
  /** Errors met while handling a job, by the system that failed. */
  Errors: { unit: 'Count', dimensions: ['Kind'] },
  /** Authentic deliveries the webhook did not queue, by why. */
  WebhooksIgnored: { unit: 'Count', dimensions: ['Reason'] },
  /** Deliveries refused (bad signature, malformed, too large), by why. */
  WebhooksRejected: { unit: 'Count', dimensions: ['Reason'] },
} as const satisfies Record<string, { unit: 'Count' | 'Seconds'; dimensions: readonly string[] }>;

export type MetricName = keyof typeof METRICS;
export type MetricDimensions<Name extends MetricName> = Record<
  (typeof METRICS)[Name]['dimensions'][number],
  string
>;

/** The `Phase` of the RunnerPods census: Kubernetes' pod phases, with gated pods apart as `Registering`. */
export const RUNNER_POD_PHASES = ['Registering', 'Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type RunnerPodPhase = (typeof RUNNER_POD_PHASES)[number];

/** The `Reason` of RunnerPodsFailing: Kubernetes' many reasons, folded into what an operator acts on. */
export const POD_PROBLEMS = [
  'image-pull',
  'unschedulable',
  'config-error',
  'crash-loop',
  'oom-killed',
  'evicted',
  'failed',
] as const;
export type PodProblem = (typeof POD_PROBLEMS)[number];

/** The `Reason` of RunnerPodsDeleted. */
export const DELETION_REASONS = [
  'job-finished',
  'unused',
  'abandoned-registration',
  'finished',
  'failed-to-start',
  'surplus',
  'waiting-for-approval',
] as const;
export type DeletionReason = (typeof DELETION_REASONS)[number];

/** The `Reason` of InfrastructureKills: how the cluster ended a runner that had taken a job. */
export const INFRASTRUCTURE_KILL_REASONS = [
  'evicted',
  'preempted',
  'node-lost',
  'node-shutdown',
  'sidecar-oom',
] as const;
export type InfrastructureKillReason = (typeof INFRASTRUCTURE_KILL_REASONS)[number];

/** The `Reason` of WebhooksIgnored. */
export const IGNORE_REASONS = [
  'event',
  'action',
  'no-installation',
  'organization-not-allowed',
  'repository-not-allowed',
  'no-runner-class',
  'job-size-not-allowed',
] as const;
export type IgnoreReason = (typeof IGNORE_REASONS)[number];

/** The `Reason` of WebhooksRejected. */
export const REJECT_REASONS = [
  'method',
  'content-type',
  'too-large',
  'headers',
  'signature',
  'payload',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** The default CloudWatch namespace. */
export const DEFAULT_METRICS_NAMESPACE = 'EksRunnerAutoscaler';
