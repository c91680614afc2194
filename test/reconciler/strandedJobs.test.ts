import { describe, expect, it } from 'vitest';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import type { WorkflowJob } from '../../lib/ports.ts';
import { findStrandedJobs } from '../../lib/reconciler/queueStrandedJobs.ts';
import { jobMessage, testConfig, testConfigWithMaxRunners } from '../helpers/factories.ts';
import { livePod } from '../helpers/livePod.ts';
import { reconcilerHarness } from '../helpers/reconcilerHarness.ts';

const MINUTE = 60_000;
const SWEEP_MINUTE = '2026-11-28T10:20:00Z';
const source = {
  repository: 'acme/app',
  installation: { id: 42, account: 'acme', accountType: 'Organization' as const },
};

/** A job GitHub queued at `createdAt` (by default, half an hour before the sweep). */
function workflowJob(id: number, overrides: Partial<WorkflowJob> = {}): WorkflowJob {
  return {
    id,
    runId: 900,
    runAttempt: 1,
    name: `build (${id})`,
    status: 'queued',
    conclusion: null,
    labels: ['self-hosted', 'linux', 'small'],
    createdAt: '2026-11-28T09:50:00Z',
    ...overrides,
  };
}

describe('stranded jobs', () => {
  it('are the queued jobs of a runner class, waiting strandedJobMinutes, that no runner pod was made for', async () => {
    // Prepare: 50 has no pod; 51 has one; 52's pod finished after running another job and is
    // still there; 53's pod runs job 54; 55 is too recent; 56 runs; 57 is not ours to serve; 58
    // waits for an approval.
    const { cluster, runBatch } = reconcilerHarness();
    await runBatch(...[51, 52, 53].map((jobId) => jobMessage({ jobId })));
    cluster.setPhase('linux-small-52', 'Succeeded');
    await cluster.annotatePod(await livePod(cluster, 'linux-small-53'), { [ANNOTATION.runningJobId]: '54' });
    const jobs = [
      workflowJob(50),
      workflowJob(51),
      workflowJob(52),
      workflowJob(53),
      workflowJob(55, { createdAt: '2026-11-28T10:15:00Z' }),
      workflowJob(56, { status: 'in_progress' }),
      workflowJob(57, { labels: ['ubuntu-latest'] }),
      workflowJob(58, { status: 'waiting' }),
    ];

    // Act
    const stranded = findStrandedJobs(
      jobs,
      source,
      await cluster.listPods(),
      testConfig(),
      new Date(SWEEP_MINUTE),
    );

    // Assess: 52 and 53 wait for their pods' names to come free.
    expect(stranded).toEqual([
      expect.objectContaining({
        action: 'queued',
        jobId: 50,
        runId: 900,
        repository: 'acme/app',
        org: 'acme',
        installationId: 42,
        runnerClass: 'linux-small',
        createdAt: '2026-11-28T09:50:00Z',
        replacements: 0,
      }),
    ]);
  });

  it('are queued for the scaler in sweep minutes, and each gets a runner pod', async () => {
    // Prepare: GitHub queues job 60 in acme/app and 61 in acme/api; no webhook ever came for them.
    const { cluster, registry, queue, log, runBatch, reconcile, advance } = reconcilerHarness(
      testConfig({ reconciler: { ghostSweepEveryMinutes: 11 } }),
      '2026-11-28T10:19:00Z',
    );
    registry.workflowJobs.set('acme/app', [workflowJob(60), workflowJob(62, { status: 'completed' })]);
    registry.workflowJobs.set('acme/api', [workflowJob(61, { runId: 901 })]);

    // Act
    const offMinute = await reconcile();
    advance(MINUTE);
    const sweepMinute = await reconcile();
    await runBatch(...queue.sent.map(({ message }) => message));

    // Assess: the installations, the one allowed installation's repositories, and per repository its
    // queued and in-progress runs and the jobs of each run.
    expect(offMinute).toMatchObject({ queuedStranded: 0, gitHubCalls: 0 });
    expect(sweepMinute).toMatchObject({ queuedStranded: 2, gitHubCalls: 8, failedSteps: 0 });
    expect(queue.sent.map(({ message }) => [message.jobId, message.repository]).sort()).toEqual([
      [60, 'acme/app'],
      [61, 'acme/api'],
    ]);
    expect([...cluster.pods.keys()].sort()).toEqual(['linux-small-60', 'linux-small-61']);
    expect(log.lines.filter(({ message }) => message.startsWith('queued a stranded job'))).toHaveLength(2);
  });

  it("are queued only as far as their class has room, and only from allowed organisations' repositories", async () => {
    // Prepare: one place is left in the class; octocat is not an allowed organisation.
    const { registry, queue, runBatch, reconcile } = reconcilerHarness(
      testConfigWithMaxRunners(2),
      SWEEP_MINUTE,
    );
    await runBatch(jobMessage({ jobId: 70 }));
    registry.installed.push({ id: 43, account: 'octocat', accountType: 'User' });
    registry.workflowJobs.set('acme/app', [
      workflowJob(71, { createdAt: '2026-11-28T09:40:00Z' }),
      workflowJob(72),
    ]);

    // Act
    const summary = await reconcile();

    // Assess: the oldest goes first.
    expect(summary).toMatchObject({ queuedStranded: 1 });
    expect(queue.sent.map(({ message }) => message.jobId)).toEqual([71]);
  });

  it('stops at maxGitHubCallsPerRun, and reports a GitHub failure without failing the run', async () => {
    // Prepare
    const tight = testConfig({ reconciler: { maxGitHubCallsPerRun: 6, ghostSweepEveryMinutes: 11 } });
    const { registry, queue, reconcile, log } = reconcilerHarness(tight, SWEEP_MINUTE);
    registry.workflowJobs.set('acme/app', [workflowJob(80)]);
    const failing = reconcilerHarness(testConfig(), SWEEP_MINUTE);
    failing.registry.listRuns = async () => {
      throw new Error('GitHub: could not list the queued runs of acme/app (502)');
    };
    failing.registry.workflowJobs.set('acme/app', [workflowJob(81)]);

    // Act
    const summary = await reconcile();
    const failed = await failing.reconcile();

    // Assess: the installations (one call), the repositories (up to three pages) and the repository's
    // queued and in-progress runs spend it all; no call is left for the run's jobs.
    expect(summary).toMatchObject({ queuedStranded: 0, gitHubCalls: 4, deferred: 0 });
    expect(queue.sent).toEqual([]);
    expect(failed).toMatchObject({ queuedStranded: 0, failedSteps: 1 });
    expect(
      failing.log.lines.find(({ message }) => message.startsWith('could not look for stranded jobs'))
        ?.attributes,
    ).toMatchObject({ error: expect.stringContaining('(502)') });
    expect(log.lines.some(({ message }) => message.startsWith('could not'))).toBe(false);
  });
});
