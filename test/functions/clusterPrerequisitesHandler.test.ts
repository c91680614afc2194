import { describe, expect, it } from 'vitest';
import { buildClusterPrerequisites } from '../../lib/cluster/buildClusterPrerequisites.ts';
import type { ApiObject } from '../../lib/cluster/clusterManifests.ts';
import { ClusterUnreachableError, type UnreachableBecause } from '../../lib/cluster/clusterUnreachable.ts';
import {
  type CustomResourceEvent,
  type CustomResourceResponse,
  createPrerequisitesHandler,
  describeObject,
  type ObjectApplier,
  PREREQUISITES_DEADLINE_MARGIN_MS,
} from '../../lib/cluster/prerequisitesResource.ts';
import { ACCESS_TAKES_EFFECT_MS } from '../../lib/cluster/untilAccessTakesEffect.ts';
import { AutoscalerError } from '../../lib/errors.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { prerequisitesEvent } from '../helpers/customResourceEvents.ts';
import { testConfig } from '../helpers/factories.ts';
import { lambdaContext } from '../helpers/lambdaContext.ts';

/** The example's objects, with a PriorityClass: the namespace, then the PriorityClass, then the Docker daemon. */
const base = testConfig();
const OBJECTS = buildClusterPrerequisites({
  ...base,
  runnerClasses: base.runnerClasses.map((runnerClass, index) =>
    index === 0 ? { ...runnerClass, priority: 1000 } : runnerClass,
  ),
});
const PRIORITY_CLASS = 'PriorityClass eks-runner-autoscaler-linux-small-priority-1000';
const DAEMON_SET = 'DaemonSet github-runners/eks-runner-autoscaler-dockerd-e77021f844';
const POLICY = [
  'ValidatingAdmissionPolicy eks-runner-autoscaler-runner-pods-github-runners',
  'ValidatingAdmissionPolicyBinding eks-runner-autoscaler-runner-pods-github-runners',
];
const JANITOR = 'DaemonSet github-runners/eks-runner-autoscaler-janitor-e77021f844';

/** The cluster at the port: each object's call succeeds unless the test scripted its answer. */
class ScriptedCluster implements ObjectApplier {
  readonly applied: string[] = [];
  readonly removed: string[] = [];
  private readonly answers = new Map<string, { answer: Error | 'no answer'; times: number }>();

  /** The object's calls get this answer, the first `times` of them only when given. */
  answer(object: string, answer: Error | 'no answer', times = Number.POSITIVE_INFINITY): this {
    this.answers.set(object, { answer, times });
    return this;
  }

  async apply(object: ApiObject): Promise<void> {
    await this.answerFor(object);
    this.applied.push(describeObject(object));
  }

  async remove(object: ApiObject): Promise<void> {
    await this.answerFor(object);
    this.removed.push(describeObject(object));
  }

  private answerFor(object: ApiObject): Promise<void> {
    const scripted = this.answers.get(describeObject(object));
    const answer = scripted && scripted.times > 0 ? scripted.answer : undefined;
    if (scripted) scripted.times -= 1;
    if (answer === 'no answer') return new Promise(() => {});
    return answer ? Promise.reject(answer) : Promise.resolve();
  }
}

/** The handler, on a clock whose waits pass at once and are recorded. */
function prerequisitesHandler(cluster: ObjectApplier) {
  const log = captureLog();
  const responses: CustomResourceResponse[] = [];
  const waits: number[] = [];
  let now = 0;
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
  const handler = createPrerequisitesHandler({
    applier: cluster,
    log,
    clock,
    respond: async (_url, response) => {
      responses.push(response);
    },
  });
  return { handler, log, responses, waits };
}

const event = (RequestType: CustomResourceEvent['RequestType']) => prerequisitesEvent(RequestType, OBJECTS);

const unreachable = (because: UnreachableBecause) =>
  new ClusterUnreachableError(because, `Kubernetes delete ${DAEMON_SET} failed: ${because}`);

describe('the cluster prerequisites custom resource', () => {
  it.each<UnreachableBecause>(['cluster-gone', 'identity-unknown', 'forbidden', 'no-answer'])(
    'lets the stack be deleted when the cluster cannot be asked (%s), logging what it left behind',
    async (because) => {
      // Prepare
      const { handler, log, responses } = prerequisitesHandler(
        new ScriptedCluster().answer(DAEMON_SET, unreachable(because)),
      );

      // Act
      await handler(event('Delete'), lambdaContext());

      // Assess
      expect(responses).toEqual([
        expect.objectContaining({
          Status: 'SUCCESS',
          Reason: `left in the cluster, which cannot be reached: ${[PRIORITY_CLASS, ...POLICY, DAEMON_SET].join(', ')} (and the namespace, kept on every Delete). ${unreachable(because).message}`,
        }),
      ]);
      expect(log.lines.filter(({ level }) => level === 'warn')).toEqual([
        {
          level: 'warn',
          message: 'cluster prerequisites left behind',
          attributes: {
            leftBehind: [PRIORITY_CLASS, ...POLICY, DAEMON_SET],
            reason: unreachable(because).message,
          },
        },
      ]);
    },
  );

  it('still fails a Delete that a cluster it can reach fails, rather than leave a Docker daemon unnoticed', async () => {
    // Prepare
    const serverError = new AutoscalerError(
      `Kubernetes delete ${DAEMON_SET} failed (500): etcdserver: timeout`,
      {
        kind: 'kubernetes',
        retryable: true,
      },
    );
    const refused = prerequisitesHandler(new ScriptedCluster().answer(DAEMON_SET, unreachable('forbidden')));
    const failing = prerequisitesHandler(new ScriptedCluster().answer(DAEMON_SET, serverError));

    // Act
    await refused.handler(event('Delete'), lambdaContext());
    await failing.handler(event('Delete'), lambdaContext());

    // Assess
    expect(refused.responses.map(({ Status }) => Status)).toEqual(['SUCCESS']);
    expect(failing.responses).toEqual([
      expect.objectContaining({ Status: 'FAILED', Reason: `AutoscalerError: ${serverError.message}` }),
    ]);
  });

  it('answers a Delete the cluster stops answering before the function times out, leaving only what it had not removed', async () => {
    // Prepare: the daemon and the janitor go, then the cluster stops answering.
    const cluster = new ScriptedCluster().answer(PRIORITY_CLASS, 'no answer');
    const { handler, log, responses } = prerequisitesHandler(cluster);
    const timeLeftMs = PREREQUISITES_DEADLINE_MARGIN_MS + 300;

    // Act
    const startedAt = Date.now();
    await handler(event('Delete'), lambdaContext(timeLeftMs));

    // Assess
    expect(Date.now() - startedAt).toBeLessThan(timeLeftMs);
    expect(cluster.removed).toEqual([JANITOR, DAEMON_SET, ...[...POLICY].reverse()]);
    expect(responses.map(({ Status }) => Status)).toEqual(['SUCCESS']);
    expect(log.lines.find(({ level }) => level === 'warn')?.attributes).toEqual({
      leftBehind: [PRIORITY_CLASS],
      reason: expect.stringMatching(/^the cluster did not answer by the deadline/),
    });
  });

  it('fails a Create the cluster does not answer, before the function times out', async () => {
    // Prepare
    const { handler, responses } = prerequisitesHandler(
      new ScriptedCluster().answer('Namespace github-runners', 'no answer'),
    );

    // Act
    await handler(event('Create'), lambdaContext(PREREQUISITES_DEADLINE_MARGIN_MS + 300));

    // Assess
    expect(responses).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: expect.stringMatching(/^ClusterUnreachableError: the cluster did not answer by the deadline/),
      }),
    ]);
  });

  it('fails a Create the cluster forbids, saying which deploy gives the function its rights', async () => {
    // Prepare
    const forbidden = new ClusterUnreachableError(
      'forbidden',
      'Kubernetes apply Namespace github-runners failed (403): namespaces "github-runners" is forbidden',
    );
    const { handler, responses } = prerequisitesHandler(
      new ScriptedCluster().answer('Namespace github-runners', forbidden),
    );

    // Act
    await handler(event('Create'), lambdaContext());

    // Assess
    expect(responses).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: expect.stringMatching(
          /^ClusterUnreachableError: Kubernetes apply Namespace github-runners failed \(403\).*a deploy with -c prerequisitesClusterAdmin=true installs/,
        ),
      }),
    ]);
  });

  it.each<UnreachableBecause>(['identity-unknown', 'forbidden'])(
    'waits for a new access entry to take effect while the cluster refuses the first object (%s)',
    async (because) => {
      // Prepare: EKS applies the function's access entry after three refused calls.
      const refused = new ClusterUnreachableError(
        because,
        'Kubernetes apply Namespace github-runners failed',
      );
      const cluster = new ScriptedCluster().answer('Namespace github-runners', refused, 3);
      const { handler, log, responses, waits } = prerequisitesHandler(cluster);

      // Act
      await handler(event('Create'), lambdaContext());

      // Assess
      expect(responses.map(({ Status }) => Status)).toEqual(['SUCCESS']);
      expect(cluster.applied).toEqual([
        'Namespace github-runners',
        PRIORITY_CLASS,
        ...POLICY,
        DAEMON_SET,
        JANITOR,
      ]);
      expect(waits).toEqual([1000, 2000, 4000]);
      expect(
        log.lines
          .filter(({ message }) => message.includes('access entry'))
          .map(({ attributes }) => attributes),
      ).toEqual([
        { because, waitedSeconds: 0, retryInMs: 1000 },
        { because, waitedSeconds: 1, retryInMs: 2000 },
        { because, waitedSeconds: 3, retryInMs: 4000 },
      ]);
    },
  );

  it('fails a Create the cluster keeps refusing once an access entry had time to apply, saying how long it waited', async () => {
    // Prepare
    const unknown = new ClusterUnreachableError(
      'identity-unknown',
      'Kubernetes apply Namespace github-runners failed (401): Unauthorized',
    );
    const { handler, responses, waits } = prerequisitesHandler(
      new ScriptedCluster().answer('Namespace github-runners', unknown),
    );

    // Act
    await handler(event('Create'), lambdaContext());

    // Assess
    expect(waits.reduce((total, ms) => total + ms, 0)).toBeLessThanOrEqual(ACCESS_TAKES_EFFECT_MS);
    expect(waits).toEqual([1000, 2000, 4000, 8000, ...Array(10).fill(10_000)]);
    expect(responses).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason:
          'ClusterUnreachableError: Kubernetes apply Namespace github-runners failed (401): Unauthorized; ' +
          'still refused after 15 tries over 115 s, longer than an EKS access entry takes to apply',
      }),
    ]);
  });

  it('takes a refusal after the first object applied as final, at once', async () => {
    // Prepare
    const forbidden = new ClusterUnreachableError(
      'forbidden',
      `Kubernetes apply ${PRIORITY_CLASS} failed (403)`,
    );
    const { handler, responses, waits } = prerequisitesHandler(
      new ScriptedCluster().answer(PRIORITY_CLASS, forbidden),
    );

    // Act
    await handler(event('Create'), lambdaContext());

    // Assess
    expect(waits).toEqual([]);
    expect(responses).toEqual([
      expect.objectContaining({
        Status: 'FAILED',
        Reason: expect.stringMatching(
          /^ClusterUnreachableError: Kubernetes apply PriorityClass .*\(403\)\. The prerequisites function/,
        ),
      }),
    ]);
  });
});
