import { describe, expect, it } from 'vitest';
import { AutoscalerError } from '../../lib/errors.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { STALE_REGISTRATION_SECONDS } from '../../lib/scaler/ensureRunnerPod.ts';
import { jobMessage, testConfig, testConfigWithMaxRunners } from '../helpers/factories.ts';
import { scalerHarness } from '../helpers/scalerHarness.ts';

describe('scaler on queued jobs', () => {
  it('creates one gated pod, its Secret, then releases the pod', async () => {
    // Prepare
    const { cluster, registry, runBatch } = scalerHarness();
    const job = jobMessage({ jobId: 7 });

    // Act
    const [outcome] = await runBatch(job);

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'created' });
    const pod = await cluster.readPod('linux-small-7');
    expect(pod).toMatchObject({ gated: false, annotations: { [ANNOTATION.runnerId]: '500' } });
    const secret = cluster.secrets.get('linux-small-7-runner');
    expect(secret?.stringData).toEqual({ 'jit-config': 'jit-secret-for-linux-small-7' });
    expect(secret?.metadata?.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Pod', name: 'linux-small-7', uid: pod?.uid },
    ]);
    expect(registry.registered).toEqual([
      {
        installationId: 42,
        scope: { kind: 'org', org: 'acme' },
        name: 'linux-small-7',
        labels: ['self-hosted', 'linux', 'x64', 'small'],
      },
    ]);
  });

  it('makes exactly one pod and one registration for duplicated deliveries in one batch', async () => {
    // Prepare
    const { cluster, registry, queue, runBatch } = scalerHarness();
    const job = jobMessage({ jobId: 8 });

    // Act
    const outcomes = await runBatch(job, { ...job, deliveryId: 'redelivery' }, job);

    // Assess
    expect(cluster.pods.size).toBe(1);
    expect(registry.registered).toHaveLength(1);
    expect(
      outcomes.filter((outcome) => outcome.kind === 'done' && outcome.result === 'created'),
    ).toHaveLength(1);
    // A duplicate that finds the registration under way looks again shortly, in case it dies half-way.
    for (const outcome of outcomes.filter((outcome) => outcome.kind !== 'done')) {
      expect(outcome).toMatchObject({ kind: 'retry', reason: 'another delivery is registering this runner' });
    }
    expect(queue.deadLetters).toEqual([]);
  });

  it('treats a redelivery of a finished job as done, without asking GitHub again', async () => {
    // Prepare
    const { registry, queue, runBatch } = scalerHarness();
    const job = jobMessage({ jobId: 9 });
    await runBatch(job);

    // Act
    const [outcome] = await runBatch({ ...job, deliveryId: 'later-redelivery' });

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'already exists' });
    expect(registry.registered).toHaveLength(1);
    expect(queue.sent).toEqual([]);
  });

  it('never exceeds maxRunners, and puts the rest back with a growing delay', async () => {
    // Prepare
    const config = testConfigWithMaxRunners(3);
    const { cluster, queue, runBatch } = scalerHarness(config);
    const jobs = Array.from({ length: 5 }, (_, index) => jobMessage({ jobId: 100 + index }));

    // Act
    await runBatch(...jobs);
    await runBatch(...queue.sent.splice(0).map(({ message }) => message));

    // Assess
    expect(cluster.pods.size).toBe(3);
    expect(queue.sent.map(({ message, delaySeconds }) => [message.attempt, delaySeconds])).toEqual([
      [2, 10],
      [2, 10],
    ]);
    expect(queue.deadLetters).toEqual([]);
  });

  it('creates for a waiting job once a place frees up', async () => {
    // Prepare
    const config = testConfigWithMaxRunners(1);
    const { cluster, queue, runBatch } = scalerHarness(config);
    await runBatch(jobMessage({ jobId: 1 }), jobMessage({ jobId: 2 }));
    const waiting = queue.sent.splice(0).map(({ message }) => message);

    // Act
    cluster.setPhase('linux-small-1', 'Succeeded');
    await runBatch(...waiting);

    // Assess
    expect(await cluster.readPod('linux-small-2')).toMatchObject({ gated: false });
  });

  it('rolls the pod back when GitHub refuses, and retries after the time GitHub asked for', async () => {
    // Prepare
    const { cluster, registry, queue, runBatch } = scalerHarness();
    registry.failNextRegistration = new AutoscalerError('GitHub: rate limited (429)', {
      kind: 'github-rate-limit',
      retryable: true,
      retryAfterSeconds: 120,
    });

    // Act
    const [outcome] = await runBatch(jobMessage({ jobId: 11 }));

    // Assess
    // A rate limit is GitHub's doing, not the job's: it does not count towards giving up.
    expect(outcome).toMatchObject({ kind: 'retry', failure: false });
    expect((outcome as { delaySeconds: number }).delaySeconds).toBeGreaterThanOrEqual(120);
    expect((outcome as { delaySeconds: number }).delaySeconds).toBeLessThanOrEqual(132);
    expect(cluster.pods.size).toBe(0);
    expect(queue.sent[0]?.message).toMatchObject({ jobId: 11, attempt: 1, failures: 0 });

    // Act again: the retry starts from nothing and succeeds.
    await runBatch(...queue.sent.splice(0).map(({ message }) => message));
    expect(await cluster.readPod('linux-small-11')).toMatchObject({ gated: false });
  });

  it('sends a job GitHub will never register to the dead-letter queue with the reason', async () => {
    // Prepare
    const { cluster, registry, queue, runBatch } = scalerHarness();
    registry.failNextRegistration = new AutoscalerError(
      'GitHub: could not generate a JIT config (403): Forbidden',
      { kind: 'github', retryable: false },
    );

    // Act
    await runBatch(jobMessage({ jobId: 12 }));

    // Assess
    expect(cluster.pods.size).toBe(0);
    expect(queue.sent).toEqual([]);
    expect(queue.deadLetters).toEqual([
      { body: expect.stringContaining('"jobId":12'), reason: expect.stringContaining('(403): Forbidden') },
    ]);
  });

  it('never sends a rate-limited job to the dead-letter queue, however often GitHub pushes back', async () => {
    // Prepare
    const { registry, queue, runBatch } = scalerHarness();
    let message = jobMessage({ jobId: 16 });

    // Act: GitHub rate-limits this job twenty times in a row.
    for (let round = 0; round < 20; round++) {
      registry.failNextRegistration = new AutoscalerError('GitHub: rate limited (429)', {
        kind: 'github-rate-limit',
        retryable: true,
        retryAfterSeconds: 45,
      });
      await runBatch(message);
      const sent = queue.sent.splice(0);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.delaySeconds).toBeGreaterThanOrEqual(45);
      message = sent[0]?.message as typeof message;
    }
    await runBatch(message);

    // Assess
    expect(queue.deadLetters).toEqual([]);
    expect(message).toMatchObject({ attempt: 20, failures: 0 });
    expect(registry.registered.map(({ name }) => name)).toEqual(['linux-small-16']);
  });

  it('counts only errors in a row: a step that works starts the count again', async () => {
    // Prepare: fifteen errors so far, then a wait that is nobody's error (the class is full).
    const full = testConfigWithMaxRunners(1);
    const { queue, runBatch } = scalerHarness(full);
    await runBatch(jobMessage({ jobId: 40 }));

    // Act
    await runBatch(jobMessage({ jobId: 41, failures: 15 }));

    // Assess
    expect(queue.sent.map(({ message }) => [message.jobId, message.failures])).toEqual([[41, 0]]);
    expect(queue.deadLetters).toEqual([]);
  });

  it('gives up on a job after repeated errors instead of retrying forever', async () => {
    // Prepare
    const { registry, queue, runBatch } = scalerHarness();
    registry.failNextRegistration = new AutoscalerError('GitHub: 502', { kind: 'github', retryable: true });

    // Act
    await runBatch(jobMessage({ jobId: 13, failures: 15 }));

    // Assess
    expect(queue.deadLetters).toEqual([
      { body: expect.any(String), reason: 'gave up after 16 errors; last: AutoscalerError: GitHub: 502' },
    ]);
  });

  it('finishes a registration cut off before the release with the runner ID, so no late delivery about an earlier pod of the name takes it', async () => {
    // Prepare: the release of job 8's pod fails once, after its Secret is stored.
    const { cluster, runBatch } = scalerHarness();
    const releasePod = cluster.releasePod.bind(cluster);
    cluster.releasePod = async () => {
      cluster.releasePod = releasePod;
      throw new AutoscalerError('Kubernetes release pod linux-small-8 failed (503)', {
        kind: 'kubernetes',
        retryable: true,
      });
    };
    await runBatch(jobMessage({ jobId: 8 }));

    // Act: the job's message again.
    const [outcome] = await runBatch(jobMessage({ jobId: 8, attempt: 1 }));

    // Assess
    expect(outcome).toEqual({ kind: 'done', result: 'finished an interrupted registration' });
    expect(await cluster.readPod('linux-small-8')).toMatchObject({
      gated: false,
      annotations: { [ANNOTATION.runnerId]: '500' },
    });
  });

  it('replaces a gated pod whose registration was abandoned', async () => {
    // Prepare: a scaler died after creating the pod, before its Secret.
    let clock = new Date('2026-11-28T12:00:00Z');
    const { cluster, queue, runBatch, config } = scalerHarness(testConfig(), () => clock);
    const job = jobMessage({ jobId: 14 });
    const { buildRunnerPod } = await import('../../lib/pod/buildRunnerPod.ts');
    const runnerClass = config.runnerClasses[0];
    if (!runnerClass) throw new Error('no class');
    await cluster.createPod(
      buildRunnerPod(job, runnerClass, {
        namespace: 'github-runners',
        registrationMode: 'jit',
        registrationUrl: '',
      }),
    );
    clock = new Date(clock.getTime() + (STALE_REGISTRATION_SECONDS + 1) * 1000);

    // Act
    const [first] = await runBatch(job);
    const [second] = await runBatch(...queue.sent.splice(0).map(({ message }) => message));

    // Assess
    expect(first).toMatchObject({ kind: 'retry', reason: 'replacing an abandoned registration' });
    expect(second).toEqual({ kind: 'done', result: 'created' });
    expect(await cluster.readPod('linux-small-14')).toMatchObject({ gated: false });
  });

  it('parks a message it cannot read in the dead-letter queue, losing nothing', async () => {
    // Prepare
    const { queue, cluster, log, metrics } = scalerHarness();
    const { processJobRecord } = await import('../../lib/scaler/processJobRecord.ts');
    const { newBatchContext } = await import('../../lib/scaler/scalerContext.ts');
    const batch = newBatchContext({
      config: testConfig(),
      cluster,
      registry: new (await import('../helpers/scriptedRegistry.ts')).ScriptedRegistry(),
      log,
      metrics,
    });

    // Act
    await processJobRecord('{"schemaVersion": 99}', batch, queue);

    // Assess
    expect(queue.deadLetters).toEqual([
      { body: '{"schemaVersion": 99}', reason: expect.stringMatching(/^not a job message: schemaVersion/) },
    ]);
  });

  it('logs the job, delivery, pod and class on every line about a job, and no JIT config', async () => {
    // Prepare
    const { log, runBatch } = scalerHarness();

    // Act
    await runBatch(jobMessage({ jobId: 15, deliveryId: 'd-15' }));

    // Assess
    const jobLines = log.lines.filter((line) => line.attributes.jobId !== undefined);
    expect(jobLines.length).toBeGreaterThanOrEqual(2);
    for (const line of jobLines) {
      expect(line.attributes).toMatchObject({
        jobId: 15,
        deliveryId: 'd-15',
        podName: 'linux-small-15',
        runnerClass: 'linux-small',
      });
    }
    expect(log.text()).not.toContain('jit-secret-for');
  });
});
