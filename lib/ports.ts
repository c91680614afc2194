/**
 * The interfaces the core needs from the outside world. Each adapter in `lib/adapters/` implements one;
 * Lambda, the local mode and the tests each pass in their own.
 */
import type { JobMessage } from './jobMessage.ts';
import type { PodManifest, SecretManifest } from './pod/podManifest.ts';
import type { RunnerScope } from './runners/runnerScope.ts';
import type {
  InfrastructureKillReason,
  MetricDimensions,
  MetricName,
  PodProblem,
} from './telemetry/metricCatalog.ts';

/** Structured logging; Powertools' Logger fits it. Attributes never hold secrets. */
export interface Log {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** The queue between webhook and scaler. */
export interface JobQueue {
  send(message: JobMessage, options?: { delaySeconds?: number }): Promise<void>;
  /** Parks a message the scaler can never process, with the reason, for an operator to inspect and redrive. */
  sendToDeadLetter(body: string, reason: string): Promise<void>;
}

/** The webhook secret, and the previous one while it is being rotated. */
export interface WebhookSecrets {
  current: string;
  previous?: string | undefined;
}

export interface WebhookSecretSource {
  /** `refresh` skips any cache, after a signature failed against the cached secrets. */
  get(options?: { refresh?: boolean }): Promise<WebhookSecrets>;
}

/** A runner pod as the core sees it. */
export interface RunnerPod {
  name: string;
  uid: string;
  runnerClass: string;
  phase: string;
  /** Why it failed or cannot start, when it did or cannot. */
  problem: PodProblem | undefined;
  /** How the infrastructure, not the job, ended it, when it did (see infrastructureKill). */
  killedBy?: InfrastructureKillReason | undefined;
  createdAt: Date;
  /** Still held back by the registration scheduling gate. */
  gated: boolean;
  deleting: boolean;
  annotations: Record<string, string>;
  /** Changes with every change of the pod: a decision on this sight of it can demand it unchanged. */
  resourceVersion: string;
}

/**
 * Names exactly one pod. A name alone is not enough: once a pod is gone, a redelivered job can make
 * another under the same name, and an action meant for the first must not touch the second.
 */
export interface PodRef {
  name: string;
  uid: string;
}

/** Annotations to set; `null` removes one. */
export type AnnotationPatch = Record<string, string | null>;

/**
 * The runner namespace of the cluster. Missing objects are `undefined`/`false`, never errors, and so
 * is a pod that has been made anew under the same name: every action on a pod names its UID.
 */
export interface RunnerCluster {
  /** Creates the pod, or reports that a pod of that name already exists. */
  createPod(pod: PodManifest): Promise<{ created: RunnerPod } | { exists: true }>;
  readPod(name: string): Promise<RunnerPod | undefined>;
  /** Every runner pod in the namespace. */
  listPods(): Promise<RunnerPod[]>;
  /**
   * Reserves places in the class for these pods, atomically, so that the class's live pods (not
   * finished, not being deleted) and reservations together never exceed `maxRunners`. Returns the
   * pods that have a place (see allocatePlaces).
   */
  reservePlaces(runnerClassName: string, podNames: string[], maxRunners: number): Promise<Set<string>>;
  /** Creates the Secret, replacing any left over from an earlier pod of the same name. */
  createSecret(secret: SecretManifest): Promise<void>;
  /** The Secret's owner pod (UID) and annotations, or undefined when there is none. */
  readSecret(
    name: string,
  ): Promise<{ ownerUid: string | undefined; annotations: Record<string, string> } | undefined>;
  /** Lifts the registration gate and adds the annotations. Returns false when the pod is gone. */
  releasePod(pod: PodRef, annotations: Record<string, string>): Promise<boolean>;
  /** Returns the annotated pod, or undefined when it is gone. */
  annotatePod(pod: PodRef, annotations: AnnotationPatch): Promise<RunnerPod | undefined>;
  /**
   * Deletes the pod; with `unchangedSince` (a resourceVersion), only if nothing changed it since.
   * Returns false when it was already gone, or had changed.
   */
  deletePod(pod: PodRef, options?: { unchangedSince?: string }): Promise<boolean>;
  /** Deletes the pod's runner Secret, unless the Secret of that name belongs to another pod now. */
  deleteRunnerSecret(pod: PodRef): Promise<void>;
  /**
   * Keeps a runner the infrastructure killed, on which no job is known to have run, by GitHub's
   * runner ID, after its pod goes: a job may have run on it unannounced (its `in_progress` lost or
   * late), and that job's `completed` must still learn that its runner was killed. Keeping the same
   * runner twice is no error.
   */
  rememberKilledRunner(runner: KilledRunner): Promise<void>;
  /** Takes the record of this runner away, so that only one caller gets it; undefined if none. */
  claimKilledRunner(runnerId: number): Promise<KilledRunner | undefined>;
  /** Forgets the killed runners kept since before this moment; returns how many. */
  forgetKilledRunners(before: Date): Promise<number>;
}

/** A runner the infrastructure killed, as kept after its pod is gone (see rememberKilledRunner). */
export interface KilledRunner {
  /** GitHub's ID of the runner. */
  runnerId: number;
  podName: string;
  runnerClass: string;
  killedBy: InfrastructureKillReason;
  /** When it was kept (ISO time). */
  keptAt: string;
}

export type RunnerRegistration =
  | { kind: 'jit'; runnerId: number; encodedJitConfig: string }
  | { kind: 'registration-token'; token: string };

export interface RunnerRegistrationRequest {
  installationId: number;
  scope: RunnerScope;
  name: string;
  labels: string[];
}

export interface RunnerRef {
  installationId: number;
  scope: RunnerScope;
  name: string;
  /** Known for JIT runners; otherwise looked up by name. */
  id?: number | undefined;
}

/**
 * GitHub's view of a job. `waiting`: an environment's protection rules hold it (a reviewer's approval,
 * a wait timer), for up to 30 days, and no runner may take it yet. `queued` covers every other state
 * before a runner takes it: GitHub's `queued`, `requested`, and `pending` (a concurrency group holds
 * it until the job ahead of it ends, and then it needs its runner at once).
 */
export type JobStatus = 'queued' | 'waiting' | 'in_progress' | 'completed' | 'absent';

/** A workflow job as GitHub reports it. */
export interface JobState {
  status: JobStatus;
  /** The runner that took the job, once one has, and its ID. */
  runnerName: string | null;
  runnerId?: number | null;
  startedAt?: string | null;
}

/** Which of a run's job executions to list: GitHub's `filter` of a run's jobs. */
export type RunJobAttempts = 'latest' | 'all';

/** The workflow runs that may have jobs waiting for a runner. */
export type RunStatus = 'queued' | 'in_progress';

/** A workflow job as its run's job list gives it. */
export interface WorkflowJob {
  id: number;
  runId: number;
  runAttempt: number;
  /** The job's name in its workflow (a matrix job's carries its values); kept by its re-runs. */
  name: string;
  status: JobStatus;
  /** GitHub's conclusion (`success`, `failure`, `cancelled`…), once the job completed. */
  conclusion: string | null;
  labels: string[];
  createdAt: string;
}

export interface RunRef {
  installationId: number;
  /** `owner/name`. */
  repository: string;
  runId: number;
}

/** A workflow run as GitHub reports it: its latest attempt. */
export interface RunState {
  status: JobStatus;
  attempt: number;
  conclusion: string | null;
}

/** What GitHub said to a request to re-run jobs: done, or refused with its reason. */
export type RerunResult = { rerun: true } | { refused: string };

export interface JobRef {
  installationId: number;
  /** `owner/name`. */
  repository: string;
  jobId: number;
}

/** An account the App is installed on. */
export interface AppInstallation {
  id: number;
  account: string;
  accountType: 'Organization' | 'User';
}

/** A self-hosted runner as GitHub lists it. */
export interface RegisteredRunner {
  id: number;
  name: string;
  /** `online` while its process is connected. */
  status: string;
  busy: boolean;
}

/** GitHub's self-hosted runner API, and the workflow jobs the runners serve, for one App. */
export interface RunnerRegistry {
  register(request: RunnerRegistrationRequest): Promise<RunnerRegistration>;
  /**
   * Removes a runner's registration, so GitHub gives it no job from then on. False, and nothing
   * removed, when the runner is running a job. An absent runner counts as removed.
   */
  deregister(runner: RunnerRef): Promise<boolean>;
  /** Whether GitHub says the runner runs a job; an absent runner does not. */
  isBusy(runner: RunnerRef): Promise<boolean>;
  readJob(job: JobRef): Promise<JobState>;
  /**
   * Whether the organisation's runner group our runners join (`github.runnerGroupId`) may run jobs of
   * the repository (`owner/name`), as GitHub applies the group's repository access. Answers may be a
   * few minutes old.
   */
  runnerGroupOpenTo(installationId: number, org: string, repository: string): Promise<boolean>;
  /** The accounts the App is installed on (the first 100). */
  installations(): Promise<AppInstallation[]>;
  /** The runners of a scope, reading at most `maxPages` pages of 100. */
  listRunners(installationId: number, scope: RunnerScope, maxPages: number): Promise<RegisteredRunner[]>;
  /** The repositories (`owner/name`) an installation may access, reading at most `maxPages` pages of 100. */
  listRepositories(installationId: number, maxPages: number): Promise<string[]>;
  /** The IDs of a repository's workflow runs in this status, the newest 100. */
  listRuns(installationId: number, repository: string, status: RunStatus): Promise<number[]>;
  /**
   * The jobs of a run (the first 100): those of its latest attempt, or with `all`, every execution
   * of every job in every attempt.
   */
  listRunJobs(
    installationId: number,
    repository: string,
    runId: number,
    attempts?: RunJobAttempts,
  ): Promise<WorkflowJob[]>;
  readRun(run: RunRef): Promise<RunState>;
  /** Re-runs one job of a completed run, and the jobs that depend on it, in a new run attempt. */
  rerunJob(job: JobRef): Promise<RerunResult>;
  /** Re-runs every failed job of a completed run, and their dependents, in a new run attempt. */
  rerunFailedJobs(run: RunRef): Promise<RerunResult>;
}

/** One attempt to deliver a webhook, as the App's delivery log records it. */
export interface WebhookDelivery {
  id: number;
  /** Shared by every attempt to deliver the same event. */
  guid: string;
  deliveredAt: Date;
  /** What our endpoint answered; 0 when GitHub could not reach it. */
  statusCode: number;
  event: string;
}

/** The App's webhook delivery log. GitHub never redelivers on its own; this is how it is asked to. */
export interface WebhookDeliveryLog {
  /** The failed attempts delivered since then, newest first, reading at most `maxPages` pages of 100. */
  failedSince(since: Date, maxPages: number): Promise<WebhookDelivery[]>;
  redeliver(deliveryId: number): Promise<void>;
}

/** What the reconciler asked GitHub to redeliver, by event GUID, kept between runs. */
export type Redeliveries = Map<string, { attempts: number; lastAt: number }>;

export interface RedeliveryLedger {
  recall(): Promise<Redeliveries>;
  remember(redeliveries: Redeliveries): Promise<void>;
}

/** Where the core's measurements go: EMF in Lambda, memory in the local mode and tests. */
export interface Metrics {
  record<Name extends MetricName>(name: Name, value: number, dimensions: MetricDimensions<Name>): void;
}
