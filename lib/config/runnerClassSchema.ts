import * as z from 'zod/mini';
import { QUANTITY } from './kubernetesQuantity.ts';
import { poolSchema } from './poolSchema.ts';
import { limitsAtLeastRequests, poolWithinMaxRunners, sizeValuesWithinMaximum } from './runnerClassChecks.ts';
import { absolutePath, dnsLabel, integer, text, withDefault } from './schemaParts.ts';

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

/**
 * Lets a job ask for its runner's size with labels: `cpu=4` (or `cpu=500m`) and `memory=16Gi` (or
 * `memory=512Mi`), in any case. The runner's requests are what the job asks for, and it registers
 * with exactly the job's labels. A job asking for more than this allows is not queued (answered
 * `202 ignored`, counted in WebhooksIgnored as `job-size-not-allowed`), so no workflow author can
 * ask for the biggest machine the cluster has.
 */
const sizing = z
  .strictObject({
    /** Most CPU a job may ask for, e.g. "8". */
    maxCpu: quantity,
    /** Most memory a job may ask for, e.g. "32Gi". */
    maxMemory: quantity,
    /** The only CPU sizes a job may ask for, e.g. ["1", "2", "4"]. @default any up to maxCpu */
    cpuValues: z.optional(z.array(quantity).check(z.minLength(1, 'needs at least one value'))),
    /** The only memory sizes a job may ask for, e.g. ["4Gi", "16Gi"]. @default any up to maxMemory */
    memoryValues: z.optional(z.array(quantity).check(z.minLength(1, 'needs at least one value'))),
    /**
     * Each limit is this multiple of the request the job asks for (what it does not ask for keeps the
     * class's `resources`). @default 1 (limits equal to requests: the pod's resources are guaranteed)
     */
    limitsToRequests: withDefault(
      z.number().check(z.gte(1, 'must be at least 1'), z.lte(10, 'must be at most 10')),
      1,
    ),
  })
  .check(sizeValuesWithinMaximum);

export const CONTAINER_MODES = ['dood', 'dind', 'none'] as const;

export const runnerClassSchema = z
  .strictObject({
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
    /** Sizes a job may ask for with `cpu=` and `memory=` labels. @default none (every runner has `resources`) */
    sizing: z.optional(sizing),
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
    /**
     * Idle runners kept ready (a warm pool), and schedules that change how many (README, Warm pools).
     * They count towards `maxRunners`. @default none (a runner is made for each job as it comes)
     */
    pool: z.optional(poolSchema),
  })
  .check(poolWithinMaxRunners);
