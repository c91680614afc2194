import { z } from 'zod';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;
const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;

const dnsLabel = (maxLength: number) =>
  z
    .string()
    .max(maxLength, `must be at most ${maxLength} characters`)
    .regex(
      DNS_LABEL,
      'must be lowercase letters, digits and "-", starting and ending with a letter or digit',
    );

const quantity = z.string().regex(QUANTITY, 'must be a Kubernetes quantity such as "500m", "2" or "4Gi"');

const resourceList = z.strictObject({
  /** CPU, e.g. "2" or "500m". */
  cpu: quantity.optional(),
  /** Memory, e.g. "4Gi". */
  memory: quantity.optional(),
  /** Node-local scratch space, e.g. "20Gi". */
  'ephemeral-storage': quantity.optional(),
});

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});

export const CONTAINER_MODES = ['dood', 'dind', 'none'] as const;
export type ContainerMode = (typeof CONTAINER_MODES)[number];

export const runnerClassSchema = z.strictObject({
  /** Class name. It starts every pod name, so it is a DNS label of at most 40 characters. */
  name: dnsLabel(40),
  /**
   * The labels this class's runners register with. A job is served by the first class whose labels
   * contain every label the job asks for (`self-hosted` is implied).
   */
  labels: z.array(z.string().min(1)).min(1).max(100),
  /** Runner image; it must contain the actions runner at `runnerHome`. */
  image: z.string().min(1),
  /**
   * Where the image keeps the runner files. They are copied into the pod's own runner root at start.
   * @default "/home/runner" (the layout of ghcr.io/actions/actions-runner)
   */
  runnerHome: z.string().startsWith('/').default('/home/runner'),
  /** User ID the runner runs as. @default 1001 (the `runner` user of ghcr.io/actions/actions-runner) */
  runnerUserId: z.number().int().min(1).default(1001),
  /** CPU, memory and ephemeral-storage requests and limits of the runner container. */
  resources: z.strictObject({ requests: resourceList, limits: resourceList.optional() }),
  /** Most runner pods of this class alive at once. */
  maxRunners: z.number().int().min(1).max(10_000),
  /**
   * How jobs reach Docker:
   * `dood` uses the node's Docker daemon (a hostPath socket and runner root),
   * `dind` runs a privileged dockerd sidecar per pod, `none` has no Docker.
   * @default "none"
   */
  containerMode: z
    .enum(CONTAINER_MODES, { error: 'must be one of "dood", "dind" or "none"' })
    .default('none'),
  /** Socket of the node-level dockerd, for `dood`. @default "/var/run/docker.sock" */
  dockerSocketPath: z.string().startsWith('/').default('/var/run/docker.sock'),
  /** Image of the dockerd sidecar, for `dind`. @default "docker:28-dind" */
  dindImage: z.string().min(1).default('docker:28-dind'),
  /** @default {} */
  nodeSelector: z.record(z.string(), z.string()).default({}),
  /** @default [] */
  tolerations: z.array(toleration).default([]),
  /**
   * Longest a runner pod may live; it becomes the pod's activeDeadlineSeconds.
   * @default 21600 (6 hours, GitHub's own job limit for hosted runners)
   */
  maxJobDurationSeconds: z.number().int().min(60).max(432_000).default(21_600),
});

export const gitHubSchema = z.strictObject({
  /** The GitHub App's ID. */
  appId: z.number().int().positive(),
  /**
   * Secrets Manager ARN (or name) of the App's private key (PEM).
   * @default a new empty secret, to be filled in after the first deploy
   */
  privateKeySecretArn: z.string().min(1).optional(),
  /**
   * Secrets Manager ARN (or name) of the webhook secret. The value is the secret itself, or
   * `{"current": "...", "previous": "..."}` while rotating.
   * @default a new secret with a generated value
   */
  webhookSecretArn: z.string().min(1).optional(),
  /** REST API root; set it for GitHub Enterprise Server. @default "https://api.github.com" */
  apiUrl: z
    .url({ error: 'must be a URL such as "https://api.github.com"' })
    .default('https://api.github.com'),
  /** Organisations whose jobs are served. Empty serves every installation. @default [] */
  allowedOrgs: z.array(z.string().min(1)).default([]),
  /** Repositories (`owner/name`) whose jobs are served. Empty serves every repository. @default [] */
  allowedRepositories: z.array(z.string().regex(REPOSITORY, 'must be "owner/name"')).default([]),
  /**
   * `jit` asks GitHub for a just-in-time config per runner (about 180 a minute per App);
   * `registration-token` reuses one cached token per installation and is not limited that way.
   * @default "jit"
   */
  registrationMode: z
    .enum(['jit', 'registration-token'], { error: 'must be "jit" or "registration-token"' })
    .default('jit'),
  /**
   * Where runners register: `org` (organisation runners, falling back to the repository for
   * user-owned repositories) or `repo`.
   * @default "org"
   */
  runnerScope: z.enum(['org', 'repo'], { error: 'must be "org" or "repo"' }).default('org'),
  /** Runner group for organisation runners. @default 1 (the "Default" group) */
  runnerGroupId: z.number().int().positive().default(1),
});

export const clusterSchema = z.strictObject({
  /** Name of the existing EKS cluster. */
  name: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be an EKS cluster name'),
  /** Namespace the runner pods live in. @default "github-runners" */
  namespace: dnsLabel(63).default('github-runners'),
  /** Set when the cluster endpoint is private: the functions then run in this VPC. */
  vpc: z
    .strictObject({
      vpcId: z.string().startsWith('vpc-', 'must be a VPC ID such as "vpc-0abc..."'),
      subnetIds: z.array(z.string().startsWith('subnet-', 'must be a subnet ID')).min(1),
      /** Security group allowed to reach the cluster endpoint on 443. */
      securityGroupId: z.string().startsWith('sg-', 'must be a security group ID'),
    })
    .optional(),
});

export const webhookSchema = z.strictObject({
  /** Largest accepted delivery; larger ones get 413. @default 1048576 (1 MiB) */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(6 * 1024 * 1024)
    .default(1024 * 1024),
});

export const scalerSchema = z.strictObject({
  /** Records per scaler invocation. @default 10 */
  batchSize: z.number().int().min(1).max(100).default(10),
  /** Most scaler invocations at once (SQS event source maxConcurrency). @default 10 */
  maxConcurrency: z.number().int().min(2).max(1000).default(10),
  /** Scaler function timeout; the queue's visibility timeout is six times this. @default 60 */
  timeoutSeconds: z.number().int().min(10).max(900).default(60),
});

export const autoscalerConfigSchema = z
  .strictObject({
    github: gitHubSchema,
    cluster: clusterSchema,
    webhook: webhookSchema.default({ maxBodyBytes: 1024 * 1024 }),
    scaler: scalerSchema.default({ batchSize: 10, maxConcurrency: 10, timeoutSeconds: 60 }),
    runnerClasses: z.array(runnerClassSchema).min(1, 'needs at least one runner class'),
  })
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.runnerClasses.forEach((runnerClass, index) => {
      if (seen.has(runnerClass.name)) {
        context.addIssue({
          code: 'custom',
          path: ['runnerClasses', index, 'name'],
          message: `"${runnerClass.name}" is used by another class; class names must be unique`,
        });
      }
      seen.add(runnerClass.name);
    });
  });

export type AutoscalerConfig = z.infer<typeof autoscalerConfigSchema>;
export type AutoscalerConfigInput = z.input<typeof autoscalerConfigSchema>;
export type RunnerClass = z.infer<typeof runnerClassSchema>;
export type GitHubSettings = z.infer<typeof gitHubSchema>;
