import { describe, expect, it } from 'vitest';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import type { JobState } from '../../lib/ports.ts';
import { jobWhoseRunnerItTook, planReplacement } from '../../lib/reconciler/planReplacement.ts';
import { jobMessage, runnerPodFor } from '../helpers/factories.ts';

const CLASSES = ['linux-small', 'linux-docker'];
const MAX_REPLACEMENTS = 3;
const WHY = 'failed before taking a job (image-pull)';
const tookRunner = (runnerName: string, status: JobState['status'] = 'in_progress'): JobState => ({
  status,
  runnerName,
  runnerId: 9,
  startedAt: '2026-11-28T10:01:00Z',
});

describe('planReplacement', () => {
  it.each([
    ['queued', 'replace'],
    ['waiting', 'park'],
    ['in_progress', 'none'],
    ['completed', 'none'],
    ['absent', 'none'],
  ] as const)('plans for a broken pod whose own job GitHub reports %s: %s', (status, kind) => {
    // Prepare
    const job = jobMessage({ jobId: 1 });
    const pod = runnerPodFor(job);

    // Act
    const plan = planReplacement(job, pod, { own: { status, runnerName: null } }, WHY, MAX_REPLACEMENTS);

    // Assess
    expect(plan.kind).toBe(kind);
  });

  it('replaces under the broken pod name, counting the replacement, with a doubling delay', () => {
    // Prepare
    const job = jobMessage({ jobId: 1, replacements: 2 });
    const pod = runnerPodFor(job, { name: 'linux-small-7' });

    // Act
    const plan = planReplacement(
      job,
      pod,
      { own: { status: 'queued', runnerName: null } },
      WHY,
      MAX_REPLACEMENTS,
    );

    // Assess
    expect(plan).toEqual({
      kind: 'replace',
      job: { ...job, podName: 'linux-small-7', replacements: 3 },
      delaySeconds: 120,
    });
  });

  it('gives up once maxReplacements runners failed, saying how many and the last reason', () => {
    // Prepare
    const job = jobMessage({ jobId: 1, replacements: MAX_REPLACEMENTS });

    // Act
    const plan = planReplacement(
      job,
      runnerPodFor(job),
      { own: { status: 'queued', runnerName: null } },
      WHY,
      MAX_REPLACEMENTS,
    );

    // Assess
    expect(plan).toEqual({
      kind: 'give-up',
      job,
      reason: `4 runner pods for job 1 could not start; last: ${WHY}`,
    });
  });

  it('replaces for the queued job whose runner its own job took, and parks it when it waits', () => {
    // Prepare
    const job = jobMessage({ jobId: 1 });
    const other = jobMessage({ jobId: 2 });
    const own = tookRunner('linux-small-2');
    const planFor = (status: JobState['status']) =>
      planReplacement(job, runnerPodFor(job), { own, taken: { job: other, status } }, WHY, MAX_REPLACEMENTS);

    // Act
    const [replaced, parked, notQueued] = (['queued', 'waiting', 'completed'] as const).map(planFor);

    // Assess
    expect(replaced).toMatchObject({
      kind: 'replace',
      job: { jobId: 2, podName: 'linux-small-1', replacements: 1 },
    });
    expect(parked).toEqual({ kind: 'park', job: other });
    expect(notQueued).toEqual({ kind: 'none' });
  });

  it('re-runs the job that ran on the very pod the infrastructure killed, and only that pod', () => {
    // Prepare
    const job = jobMessage({ jobId: 1 });
    const killed = runnerPodFor(job, {
      killedBy: 'evicted',
      annotations: { [ANNOTATION.job]: JSON.stringify(job), [ANNOTATION.runnerId]: '9' },
    });
    const madeAnew = { ...killed, annotations: { ...killed.annotations, [ANNOTATION.runnerId]: '10' } };
    const reads = { own: tookRunner(killed.name) };

    // Act
    const onKilled = planReplacement(job, killed, reads, WHY, MAX_REPLACEMENTS);
    const onNewer = planReplacement(job, madeAnew, reads, WHY, MAX_REPLACEMENTS);
    const notKilled = planReplacement(job, { ...killed, killedBy: undefined }, reads, WHY, MAX_REPLACEMENTS);

    // Assess
    expect(onKilled).toEqual({ kind: 'rerun-killed' });
    expect(onNewer).toEqual({ kind: 'none' });
    expect(notKilled).toEqual({ kind: 'none' });
  });
});

describe('jobWhoseRunnerItTook', () => {
  it("reads the taken runner's job from its pod while it exists", () => {
    // Prepare
    const job = jobMessage({ jobId: 1 });
    const other = jobMessage({ jobId: 2, repository: 'acme/other' });
    const broken = runnerPodFor(job);
    const pods = [broken, runnerPodFor(other, { phase: 'Running' })];

    // Act
    const taken = jobWhoseRunnerItTook(job, tookRunner('linux-small-2'), broken, pods, CLASSES);

    // Assess
    expect(taken).toEqual(other);
  });

  it("takes it from the runner's name when its pod is gone: same class, scope and repository", () => {
    // Prepare
    const job = jobMessage({ jobId: 1, podName: 'linux-small-5', replacements: 2 });
    const pod = runnerPodFor(job);

    // Act
    const taken = jobWhoseRunnerItTook(job, tookRunner('linux-small-2'), pod, [pod], CLASSES);
    const otherClass = jobWhoseRunnerItTook(job, tookRunner('linux-docker-2'), pod, [pod], CLASSES);
    const notOurs = jobWhoseRunnerItTook(job, tookRunner('hosted-runner-2'), pod, [pod], CLASSES);

    // Assess
    const { podName: _own, ...rest } = job;
    expect(taken).toEqual({ ...rest, jobId: 2, replacements: 0 });
    expect(otherClass).toBeUndefined();
    expect(notOurs).toBeUndefined();
  });

  it('names none while its own job waits, ran on this pod, took no runner, or took the runner made for itself', () => {
    // Prepare
    const job = jobMessage({ jobId: 1 });
    const pod = runnerPodFor(job, { name: 'linux-small-3' });
    const ownRunner = runnerPodFor(job, { name: 'linux-small-1', phase: 'Running' });

    // Act
    const cases = [
      jobWhoseRunnerItTook(job, { status: 'queued', runnerName: null }, pod, [pod], CLASSES),
      jobWhoseRunnerItTook(job, { status: 'waiting', runnerName: null }, pod, [pod], CLASSES),
      jobWhoseRunnerItTook(job, tookRunner(pod.name), pod, [pod], CLASSES),
      jobWhoseRunnerItTook(job, { status: 'completed', runnerName: null }, pod, [pod], CLASSES),
      jobWhoseRunnerItTook(job, tookRunner('linux-small-1'), pod, [pod, ownRunner], CLASSES),
    ];

    // Assess
    expect(cases).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
