// zod/mini, not classic zod: the same checks at a fraction of the functions' cold-start cost.
import * as z from 'zod/mini';
import {
  doodClassesSelectNodes,
  everyClassReachable,
  poolScopesServed,
  uniqueClassNames,
} from './runnerClassChecks.ts';
import { runnerClassSchema } from './runnerClassSchema.ts';
import { dnsLabel, integer, text, withDefault } from './schemaParts.ts';

const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

export const gitHubSchema = z
  .strictObject({
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
    /**
     * More GitHub Apps, installed on the same accounts as `appId` with the same permissions, whose
     * limits (GitHub's quota and secondary limit are per App) the scaler and the reconciler spread
     * their calls over, each call through the App with the most room. Webhooks still come from the
     * first App only.
     * @default []
     */
    additionalApps: withDefault(
      z
        .array(
          z.strictObject({
            appId: integer(1, Number.MAX_SAFE_INTEGER),
            /** Secrets Manager ARN (or name) of that App's private key (PEM). */
            privateKeySecretArn: text,
          }),
        )
        .check(z.maxLength(9, 'at most 9: ten Apps in all')),
      [],
    ),
  })
  .check(
    z.superRefine((github, context) => {
      const seen = new Set([github.appId]);
      github.additionalApps.forEach(({ appId }, index) => {
        if (seen.has(appId))
          context.addIssue({
            code: 'custom',
            input: appId,
            path: ['additionalApps', index, 'appId'],
            message: `App ${appId} is named twice; each App spreads the load only once`,
          });
        seen.add(appId);
      });
    }),
  );

export const clusterSchema = z.strictObject({
  /**
   * Name of the existing EKS cluster.
   * @default none: then the construct's `cluster` prop names it, as a CDK app of your own may
   */
  name: z.optional(
    z.string().check(z.regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be an EKS cluster name')),
  ),
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
    z
      .strictObject({
        vpcId: z.string().check(z.startsWith('vpc-', 'must be a VPC ID such as "vpc-0abc..."')),
        subnetIds: z
          .array(z.string().check(z.startsWith('subnet-', 'must be a subnet ID')))
          .check(z.minLength(1, 'needs at least one subnet')),
        /** The availability zone of each subnet, in the order of `subnetIds`, e.g. "eu-west-1a". */
        availabilityZones: z.array(text),
        /** Security group allowed to reach the cluster endpoint on 443. */
        securityGroupId: z.string().check(z.startsWith('sg-', 'must be a security group ID')),
      })
      .check(
        z.refine((vpc) => vpc.availabilityZones.length === vpc.subnetIds.length, {
          path: ['availabilityZones'],
          message: 'must name one zone for each of subnetIds, in the same order',
        }),
      ),
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
  /**
   * A job GitHub holds for an environment's protection rules (status `waiting`: an approval, a wait
   * timer) holds no runner. It is read from GitHub again a minute after it was found waiting, then
   * twice as long each time, up to this many seconds (SQS delays a message at most 900 s): the
   * longest a job approved without GitHub's own `queued` for it reaching us waits for its runner.
   * Each look is one GitHub call. @default 900
   */
  waitingJobRecheckMaxSeconds: withDefault(integer(60, 900), 900),
  /**
   * A job still waiting this many hours after GitHub queued it is no longer read again (GitHub
   * fails it after 30 days). Approved later, it gets its runner from the `queued` GitHub sends then,
   * or from the stranded-job sweep. @default 168 (7 days)
   */
  waitingJobMaxHours: withDefault(integer(1, 720), 168),
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
   * or failing) has waited this many seconds for one (see JobWaitingSeconds: a wait for an approval
   * does not count). The queue cannot see it: every retry is a new message. @default 900
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
  .check(uniqueClassNames, doodClassesSelectNodes, everyClassReachable, poolScopesServed);

export type AutoscalerConfig = z.output<typeof autoscalerConfigSchema>;
export type AutoscalerConfigInput = z.input<typeof autoscalerConfigSchema>;
export type RunnerClass = z.output<typeof runnerClassSchema>;
export type GitHubSettings = z.output<typeof gitHubSchema>;
export type MonitoringSettings = z.output<typeof monitoringSchema>;
export type ReconcilerSettings = z.output<typeof reconcilerSchema>;
