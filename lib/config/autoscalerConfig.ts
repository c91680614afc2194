// zod/mini, not classic zod: the same checks at a fraction of the functions' cold-start cost.
import * as z from 'zod/mini';
import { QUANTITY } from './kubernetesQuantity.ts';
import {
  doodClassesSelectNodes,
  everyClassReachable,
  limitsAtLeastRequests,
  uniqueClassNames,
} from './runnerClassChecks.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

const dnsLabel = (maxLength: number) =>
  z
    .string()
    .check(
      z.maxLength(maxLength, `must be at most ${maxLength} characters`),
      z.regex(
        DNS_LABEL,
        'must be lowercase letters, digits and "-", starting and ending with a letter or digit',
      ),
    );

const absolutePath = z.string().check(z.startsWith('/', 'must be an absolute path'));
const text = z.string().check(z.minLength(1, 'must not be empty'));
const integer = (minimum: number, maximum: number) =>
  z.int().check(z.gte(minimum, `must be at least ${minimum}`), z.lte(maximum, `must be at most ${maximum}`));
const withDefault = <T extends z.ZodMiniType>(schema: T, value: z.output<T>) =>
  z._default(schema, value as z.util.NoUndefined<z.output<T>>);

const quantity = z
  .string()
  .check(z.regex(QUANTITY, 'must be a Kubernetes quantity such as "500m", "2" or "4Gi"'));

const resourceList = z.strictObject({
  /** CPU, e.g. "2" or "500m". */
  cpu: z.optional(quantity),
  /** Memory, e.g. "4Gi". */
  memory: z.optional(quantity),
  /** Node-local scratch space, e.g. "20Gi". */
  'ephemeral-storage': z.optional(quantity),
});

const toleration = z.strictObject({
  key: z.optional(z.string()),
  operator: z.optional(z.enum(['Exists', 'Equal'])),
  value: z.optional(z.string()),
  effect: z.optional(z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])),
  tolerationSeconds: z.optional(z.int()),
});

export const CONTAINER_MODES = ['dood', 'dind', 'none'] as const;

export const runnerClassSchema = z.strictObject({
  /** Class name. It starts every pod name, so it is a DNS label of at most 40 characters. */
  name: dnsLabel(40),
  /**
   * The labels this class's runners register with. A job is served by the first class whose labels
   * contain every label the job asks for (`self-hosted` is implied). So a class whose labels an
   * earlier class all has would get no job, and is refused.
   */
  labels: z
    .array(text)
    .check(z.minLength(1, 'needs at least one label'), z.maxLength(100, 'at most 100 labels')),
  /** Runner image; it must contain the actions runner at `runnerHome`. */
  image: text,
  /**
   * Where the image keeps the runner files. They are copied into the pod's own runner root at start.
   * @default "/home/runner" (the layout of ghcr.io/actions/actions-runner)
   */
  runnerHome: withDefault(absolutePath, '/home/runner'),
  /** User ID the runner runs as. @default 1001 (the `runner` user of ghcr.io/actions/actions-runner) */
  runnerUserId: withDefault(integer(1, 2 ** 31 - 1), 1001),
  /**
   * CPU, memory and ephemeral-storage requests and limits of the runner container. No limit may be
   * below its request: Kubernetes would refuse every pod.
   */
  resources: z
    .strictObject({ requests: resourceList, limits: z.optional(resourceList) })
    .check(limitsAtLeastRequests),
  /** Most runner pods of this class alive at once. */
  maxRunners: integer(1, 10_000),
  /**
   * How jobs reach Docker:
   * `dood` uses the node's Docker daemon (a hostPath socket and runner root),
   * `dind` runs a privileged dockerd sidecar per pod, `none` has no Docker.
   * @default "none"
   */
  containerMode: withDefault(z.enum(CONTAINER_MODES, 'must be one of "dood", "dind" or "none"'), 'none'),
  /** Socket of the node-level dockerd, for `dood`. @default "/var/run/docker.sock" */
  dockerSocketPath: withDefault(absolutePath, '/var/run/docker.sock'),
  /** Image of the dockerd sidecar, for `dind`. @default "docker:28-dind" */
  dindImage: withDefault(text, 'docker:28-dind'),
  /** Not empty for `dood` while the deploy runs the class's Docker daemon, on these nodes. @default {} */
  nodeSelector: withDefault(z.record(z.string(), z.string()), {}),
  /** @default [] */
  tolerations: withDefault(z.array(toleration), []),
  /**
   * Longest a runner pod may live; it becomes the pod's activeDeadlineSeconds.
   * @default 21600 (6 hours, GitHub's own job limit for hosted runners)
   */
  maxJobDurationSeconds: withDefault(integer(60, 432_000), 21_600),
  /**
   * How long a runner pod that the cluster stops (a drain, a spot interruption, the job's deadline)
   * has before it is killed. Its preStop hook first lets a running job end on its own for all but
   * the last 20 s; then the runner is signalled, cancels the job and reports it, instead of dying
   * where it stands. A spot interruption gives the node 120 s in all.
   * @default 120
   */
  terminationGracePeriodSeconds: withDefault(integer(20, 86_400), 120),
  /**
   * A pod not running this long after it was created (image pull errors, no node with room) is
   * replaced, as is one that failed before taking a job.
   * @default 600
   */
  startTimeoutSeconds: withDefault(integer(30, 86_400), 600),
  /**
   * Scheduling priority of this class's pods. When set, the deploy makes a PriorityClass
   * `eks-runner-autoscaler-<class>` with this value for them: when nodes are short, the scheduler
   * places higher ones first. It never preempts (evicts) other pods. User-defined priorities stay
   * below 1,000,000,000, where the system classes begin. @default none (priority 0)
   */
  priority: z.optional(integer(-1_000_000_000, 1_000_000_000)),
});

export const gitHubSchema = z.strictObject({
  /** The GitHub App's ID. */
  appId: integer(1, Number.MAX_SAFE_INTEGER),
  /**
   * Secrets Manager ARN (or name) of the App's private key (PEM).
   * @default a new secret, to be filled in after the first deploy
   */
  privateKeySecretArn: z.optional(text),
  /**
   * Secrets Manager ARN (or name) of the webhook secret. The value is the secret itself, or
   * `{"current": "...", "previous": "..."}` while rotating.
   * @default a new secret with a generated value
   */
  webhookSecretArn: z.optional(text),
  /** REST API root; set it for GitHub Enterprise Server. @default "https://api.github.com" */
  apiUrl: withDefault(z.url('must be a URL such as "https://api.github.com"'), 'https://api.github.com'),
  /** Organisations whose jobs are served. Empty serves every installation. @default [] */
  allowedOrgs: withDefault(z.array(text), []),
  /** Repositories (`owner/name`) whose jobs are served. Empty serves every repository. @default [] */
  allowedRepositories: withDefault(
    z.array(z.string().check(z.regex(REPOSITORY, 'must be "owner/name"'))),
    [],
  ),
  /**
   * `jit` asks GitHub for a just-in-time config per runner (about 180 a minute per App);
   * `registration-token` reuses one cached token per installation and is not limited that way.
   * @default "jit"
   */
  registrationMode: withDefault(
    z.enum(['jit', 'registration-token'], 'must be "jit" or "registration-token"'),
    'jit',
  ),
  /**
   * Where runners register: `org` (organisation runners, falling back to the repository for
   * user-owned repositories) or `repo`.
   * @default "org"
   */
  runnerScope: withDefault(z.enum(['org', 'repo'], 'must be "org" or "repo"'), 'org'),
  /** Runner group for organisation runners. @default 1 (the "Default" group) */
  runnerGroupId: withDefault(integer(1, Number.MAX_SAFE_INTEGER), 1),
});

export const clusterSchema = z.strictObject({
  /** Name of the existing EKS cluster. */
  name: z.string().check(z.regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be an EKS cluster name')),
  /** Namespace the runner pods live in. @default "github-runners" */
  namespace: withDefault(dnsLabel(63), 'github-runners'),
  /**
   * Image of the node-level Docker daemon the deploy runs (a DaemonSet) on the nodes of `dood`
   * classes, as EKS nodes have none. @default "docker:28-dind"
   */
  dockerdImage: withDefault(text, 'docker:28-dind'),
  /**
   * Whether the deploy applies the runner namespace, the PriorityClasses and the dood Docker daemons
   * itself, through a custom resource with RBAC of its own (README, The prerequisites function's
   * rights). Turn it off to manage them elsewhere.
   * @default true
   */
  managePrerequisites: withDefault(z.boolean(), true),
  /** Set when the cluster endpoint is private: the scaler then runs in this VPC. */
  vpc: z.optional(
    z.strictObject({
      vpcId: z.string().check(z.startsWith('vpc-', 'must be a VPC ID such as "vpc-0abc..."')),
      subnetIds: z
        .array(z.string().check(z.startsWith('subnet-', 'must be a subnet ID')))
        .check(z.minLength(1, 'needs at least one subnet')),
      /** Security group allowed to reach the cluster endpoint on 443. */
      securityGroupId: z.string().check(z.startsWith('sg-', 'must be a security group ID')),
    }),
  ),
});

export const webhookSchema = z.strictObject({
  /** Largest accepted delivery; larger ones get 413. @default 1048576 (1 MiB) */
  maxBodyBytes: withDefault(integer(1024, 6 * 1024 * 1024), 1024 * 1024),
  /**
   * Most webhook invocations at once (its reserved concurrency): what a flood of forged requests to
   * the public Function URL can take of the account's Lambda concurrency. A Function URL also serves
   * at most 10 requests a second for each. @default 50 (500 deliveries a second; see the README)
   */
  reservedConcurrency: withDefault(integer(1, 1000), 50),
});

export const scalerSchema = z.strictObject({
  /** Records per scaler invocation. @default 10 */
  batchSize: withDefault(integer(1, 100), 10),
  /** Most scaler invocations at once (SQS event source maxConcurrency). @default 10 */
  maxConcurrency: withDefault(integer(2, 1000), 10),
  /**
   * Scaler function timeout; the queue's visibility timeout is six times this. A record still
   * unfinished 6 s before it runs out goes back on the queue. @default 60
   */
  timeoutSeconds: withDefault(integer(10, 900), 60),
});

export const reconcilerSchema = z.strictObject({
  /** GitHub API calls one reconciler run may make; what is left over waits for the next run. @default 50 */
  maxGitHubCallsPerRun: withDefault(integer(1, 1000), 50),
  /** A running runner that took no job this long is checked with GitHub as a possible spare. @default 300 */
  idleRunnerSeconds: withDefault(integer(60, 86_400), 300),
  /** Runner pods made for one job that may fail to start before the job is parked in the DLQ. @default 3 */
  maxReplacements: withDefault(integer(0, 10), 3),
  /**
   * A job whose runner the infrastructure killed (an eviction, a lost node, a preemption) is re-run
   * on GitHub once its workflow run completes, while the run is at most at this attempt: the
   * default re-runs a first attempt once, and never a run someone re-ran already. 0 turns it off.
   * Needs the App permission `actions: write`; without it the re-run is logged as refused.
   * @default 1
   */
  maxInfrastructureReruns: withDefault(integer(0, 10), 1),
  /**
   * `workflow_job` deliveries that failed this recently are delivered again, each at most three
   * times in all (GitHub keeps deliveries for three days). @default 30
   */
  redeliverWithinMinutes: withDefault(integer(1, 4320), 30),
  /**
   * Ghost runners (registered, no pod, offline) are swept in the runs whose minute of the clock is a
   * multiple of this: the sweep lists every organisation's runners, which costs GitHub calls.
   * @default 10
   */
  ghostSweepEveryMinutes: withDefault(integer(1, 1440), 10),
  /**
   * Stranded jobs (queued on GitHub, no runner pod for them) are looked for in the runs whose minute
   * of the clock is a multiple of this. They are jobs whose webhooks were all lost beyond
   * `redeliverWithinMinutes`, or never sent. The sweep lists each repository's active runs and their
   * jobs: two GitHub calls per repository and one per active run, within the run's budget.
   * @default 10
   */
  strandedJobSweepEveryMinutes: withDefault(integer(1, 1440), 10),
  /** A queued job with no runner pod this many minutes after GitHub queued it is stranded. @default 10 */
  strandedJobMinutes: withDefault(integer(1, 1440), 10),
});

export const monitoringSchema = z.strictObject({
  /**
   * CloudWatch namespace of the metrics. Give each deployment in one account and region its own.
   * @default "EksRunnerAutoscaler"
   */
  metricsNamespace: withDefault(
    z
      .string()
      .check(z.regex(/^[A-Za-z0-9._/#:-][A-Za-z0-9 ._/#:-]{0,254}$/, 'must be a CloudWatch namespace')),
    'EksRunnerAutoscaler',
  ),
  /** Alarm when a class's p90 job wait time stays above this many seconds for 3 of 5 minutes. @default 300 */
  jobWaitP90AlarmSeconds: withDefault(integer(1, 86_400), 300),
  /** Alarm when the oldest job message has been in the queue this many seconds. @default 600 */
  oldestMessageAlarmSeconds: withDefault(integer(60, 1_209_600), 600),
  /**
   * Alarm when a job the scaler sends back to wait for a runner (its class full, GitHub rate-limiting
   * or failing) has waited this many seconds since GitHub queued it. The queue cannot see it: every
   * retry is a new message. @default 900
   */
  jobWaitingAlarmSeconds: withDefault(integer(60, 86_400), 900),
  /**
   * Alarm when this many deliveries in 5 minutes fail the signature check: usually the webhook secret
   * in the GitHub App differs from the one deployed. @default 5
   */
  signatureRejectionsAlarmCount: withDefault(integer(1, 100_000), 5),
  /** Alarms notify this existing SNS topic. @default a new topic when `alarmEmail` is set, else none */
  alarmTopicArn: z.optional(z.string().check(z.startsWith('arn:', 'must be an SNS topic ARN'))),
  /** Subscribe this address to the alarms (it must confirm the subscription). @default none */
  alarmEmail: z.optional(z.email('must be an email address')),
});

export const autoscalerConfigSchema = z
  .strictObject({
    github: gitHubSchema,
    cluster: clusterSchema,
    webhook: z.prefault(webhookSchema, {}),
    scaler: z.prefault(scalerSchema, {}),
    reconciler: z.prefault(reconcilerSchema, {}),
    monitoring: z.prefault(monitoringSchema, {}),
    runnerClasses: z.array(runnerClassSchema).check(z.minLength(1, 'needs at least one runner class')),
  })
  .check(uniqueClassNames, doodClassesSelectNodes, everyClassReachable);

export type AutoscalerConfig = z.output<typeof autoscalerConfigSchema>;
export type AutoscalerConfigInput = z.input<typeof autoscalerConfigSchema>;
export type RunnerClass = z.output<typeof runnerClassSchema>;
export type GitHubSettings = z.output<typeof gitHubSchema>;
export type MonitoringSettings = z.output<typeof monitoringSchema>;
