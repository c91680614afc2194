import type { V1Pod } from '@kubernetes/client-node';
import { describe, type ExpectStatic, it } from 'vitest';
import { isProtectedFromDisruption } from '../../lib/pod/disruption.ts';
import { waitFor } from './controlPlane.ts';
import {
  changeNodeTemplate,
  createNodePool,
  eventsAbout,
  hasDrifted,
  nodesOf,
  type TestNodePool,
  waitForIdleDisruptionPasses,
} from './karpenterPools.ts';
import { finishJob, reconcileIdleRunners, runnerPodsOf, startRunnerPods } from './karpenterRunnerPods.ts';

const protects = (pod: V1Pod | undefined) => isProtectedFromDisruption(pod?.metadata?.annotations ?? {});

const phasesOf = async (pool: TestNodePool) =>
  [...(await runnerPodsOf(pool.runnerClass)).values()].map((pod) => pod.status?.phase).sort();

/**
 * Four runners on one new node, of which all but the first then finish: the first is left alone on a
 * node sized for four, which consolidation would replace with a smaller one.
 */
async function oneRunnerLeftOnUnderusedNode(pool: TestNodePool) {
  const [runner = '', ...finishing] = await startRunnerPods(pool.runnerClass, 4);
  await waitFor(
    `the runners of ${pool.name} to run`,
    async () => (await phasesOf(pool)).join() === 'Running,Running,Running,Running',
    30_000,
  );
  const pod = (await runnerPodsOf(pool.runnerClass)).get(runner);
  const node = pod?.spec?.nodeName ?? '';
  const nodes = await nodesOf(pool);
  if (Object.keys(nodes).join() !== node)
    throw new Error(`expected the four runners on one node: ${JSON.stringify(nodes)}`);
  await Promise.all(finishing.map((name) => finishJob(pool.runnerClass, name)));
  return { runner, uid: pod?.metadata?.uid, node, protectedAtStart: protects(pod) };
}

async function oneRunnerRunning(pool: TestNodePool) {
  const [runner = ''] = await startRunnerPods(pool.runnerClass, 1);
  await waitFor(
    `the runner of ${pool.name} to run`,
    async () => (await phasesOf(pool)).join() === 'Running',
    10_000,
  );
  const [node = ''] = Object.keys(await nodesOf(pool));
  return { runner, node, protectedAtStart: protects((await runnerPodsOf(pool.runnerClass)).get(runner)) };
}

/** Karpenter deleted the runner to meet its node's termination deadline, and the node went. */
async function expectDrainedDespiteProtection(
  expect: ExpectStatic,
  pool: TestNodePool,
  runner: string,
  node: string,
) {
  await expect
    .poll(async () => (await runnerPodsOf(pool.runnerClass)).has(runner), { timeout: 45_000 })
    .toBe(false);
  await expect
    .poll(() => eventsAbout('Pod', runner), { timeout: 5_000 })
    .toContainEqual(
      expect.objectContaining({
        reason: 'Disrupted',
        message: expect.stringMatching(/do-not-disrupt annotation/),
      }),
    );
  await expect.poll(() => nodesOf(pool), { timeout: 20_000 }).not.toHaveProperty(node);
}

// Each test has a NodePool of its own, so they run at once: the file takes as long as its longest test.
describe.concurrent('runner pods on nodes Karpenter launches (its KWOK provider)', () => {
  it('launches nodes for a burst of pending runners, which all run', { timeout: 60_000 }, async ({
    expect,
    onTestFinished,
  }) => {
    // Prepare: a pool of 4-CPU nodes, none launched yet, so 15 one-CPU runners need several.
    const pool = await createNodePool(onTestFinished, 'karpenter-burst', { instanceCpu: ['4'] });
    expect(await nodesOf(pool)).toEqual({});

    // Act
    await startRunnerPods(pool.runnerClass, 15);

    // Assess
    await expect.poll(() => phasesOf(pool), { timeout: 45_000 }).toEqual(Array(15).fill('Running'));
    const placedOn = new Set(
      [...(await runnerPodsOf(pool.runnerClass)).values()].map((pod) => pod.spec?.nodeName),
    );
    expect(Object.keys(await nodesOf(pool))).toEqual(expect.arrayContaining([...placedOn]));
    expect(placedOn.size).toBeGreaterThanOrEqual(Math.ceil(15 / 4));
  });

  it('leaves a runner with a job on an underused, drifted node, and removes the node once the job is done', {
    timeout: 100_000,
  }, async ({ expect, onTestFinished }) => {
    // Prepare
    const pool = await createNodePool(onTestFinished, 'karpenter-protected');
    const { runner, uid, node, protectedAtStart } = await oneRunnerLeftOnUnderusedNode(pool);
    expect(protectedAtStart).toBe(true);

    // Act: the pool's node template changes, so the node has drifted too.
    await changeNodeTemplate(pool, { 'eks-runner-autoscaler.io/template': 'changed' });
    await expect.poll(() => hasDrifted(pool, node), { timeout: 20_000 }).toBe(true);
    // Each pass weighs drift, then consolidation, of every node; a pass that chose to disrupt this
    // one would have tainted it. Two, so that one began after Karpenter saw the drift. (Karpenter's
    // DisruptionBlocked event is no witness: it records one per node per 2 minutes, and the first,
    // at launch, says the node is nominated for the pods it was launched for.)
    await waitForIdleDisruptionPasses(2, 60_000);

    // Assess
    const pod = (await runnerPodsOf(pool.runnerClass)).get(runner);
    expect(pod?.metadata?.uid).toBe(uid);
    expect(pod?.status?.phase).toBe('Running');
    expect(pod?.spec?.nodeName).toBe(node);
    expect((await eventsAbout('Pod', runner)).map(({ reason }) => reason)).not.toContain('Evicted');
    expect(await nodesOf(pool)).toEqual({ [node]: 'running' });

    // Act: the job ends, and the reconciler removes the finished pod.
    await finishJob(pool.runnerClass, runner);

    // Assess
    await expect.poll(() => nodesOf(pool), { timeout: 45_000 }).not.toHaveProperty(node);
  });

  it('evicts an idle runner opened to disruption, and removes its underused node', {
    timeout: 90_000,
  }, async ({ expect, onTestFinished }) => {
    // Prepare
    const pool = await createNodePool(onTestFinished, 'karpenter-idle');
    const { runner, node, protectedAtStart } = await oneRunnerLeftOnUnderusedNode(pool);
    expect(protectedAtStart).toBe(true);

    // Act: the reconciler finds the runner idle, its own job still waiting (for an approval, say).
    await reconcileIdleRunners(pool.runnerClass);

    // Assess
    await expect.poll(() => nodesOf(pool), { timeout: 60_000 }).not.toHaveProperty(node);
    expect((await runnerPodsOf(pool.runnerClass)).has(runner)).toBe(false);
    // Karpenter records its events in the background, so one may land after what it describes.
    await expect
      .poll(() => eventsAbout('Pod', runner), { timeout: 5_000 })
      .toContainEqual(
        expect.objectContaining({ reason: 'Evicted', message: expect.stringMatching(/Underutilized/) }),
      );
  });

  it('still drains a runner with a job when its node expires (a known limit: the job is run again)', {
    timeout: 60_000,
  }, async ({ expect, onTestFinished }) => {
    // Prepare: nodes that expire 15 s after launch, each given 5 s to drain.
    const pool = await createNodePool(onTestFinished, 'karpenter-expiry', {
      expireAfter: '15s',
      terminationGracePeriod: '5s',
    });
    const { runner, node, protectedAtStart } = await oneRunnerRunning(pool);
    expect(protectedAtStart).toBe(true);

    // Act: none; the node's time runs out.

    // Assess
    await expectDrainedDespiteProtection(expect, pool, runner, node);
  });

  it('still drains a runner with a job from a drifted node when its pool sets a terminationGracePeriod (a known limit)', {
    timeout: 60_000,
  }, async ({ expect, onTestFinished }) => {
    // Prepare
    const pool = await createNodePool(onTestFinished, 'karpenter-drift-deadline', {
      terminationGracePeriod: '5s',
    });
    const { runner, node, protectedAtStart } = await oneRunnerRunning(pool);
    expect(protectedAtStart).toBe(true);

    // Act
    await changeNodeTemplate(pool, { 'eks-runner-autoscaler.io/template': 'changed' });

    // Assess: drift is bounded by the grace period, as expiry is, where consolidation is not.
    await expectDrainedDespiteProtection(expect, pool, runner, node);
  });
});
