import { describe, expect, it } from 'vitest';
import { AutoscalerError } from '../../lib/errors.ts';
import { jobMessage, testConfig, testConfigWithMaxRunners } from '../helpers/factories.ts';
import { scalerHarness } from '../helpers/scalerHarness.ts';

describe('scaler on a job that no runner group open to its repository may run', () => {
  it('makes no runner and takes no place for it, logs why and counts it', async () => {
    // Prepare: one place; the runners' group is closed to acme/secret, open to acme/app.
    const { cluster, registry, queue, log, metrics, runBatch } = scalerHarness(testConfigWithMaxRunners(1));
    registry.closedToRepositories.add('acme/secret');

    // Act
    const [closed] = await runBatch(jobMessage({ jobId: 401, repository: 'acme/secret' }));
    await runBatch(jobMessage({ jobId: 402, repository: 'acme/app' }));

    // Assess
    expect(closed).toEqual({
      kind: 'done',
      result:
        'job 401: runner group 1 of acme may not run jobs of acme/secret; no runner made ' +
        '(open the group to the repository, or set github.runnerGroupId)',
    });
    expect([...cluster.pods.keys()]).toEqual(['linux-small-402']);
    expect(registry.registered.map(({ name }) => name)).toEqual(['linux-small-402']);
    expect(metrics.total('JobsNoRunnerGroupOpen', { RunnerClass: 'linux-small' })).toBe(1);
    expect(log.lines).toContainEqual({
      level: 'warn',
      message: 'no runner made: the runner group may not run jobs of the repository',
      attributes: expect.objectContaining({
        jobId: 401,
        repository: 'acme/secret',
        org: 'acme',
        runnerGroupId: 1,
      }),
    });
    expect(queue.sent).toEqual([]);
    expect(queue.deadLetters).toEqual([]);
  });

  it('asks nothing for repository runners, which join no group', async () => {
    // Prepare
    const config = testConfig({ github: { ...testConfig().github, runnerScope: 'repo' } });
    const { cluster, registry, runBatch } = scalerHarness(config);
    registry.closedToRepositories.add('acme/secret');

    // Act
    await runBatch(jobMessage({ jobId: 403, repository: 'acme/secret' }));

    // Assess
    expect([...cluster.pods.keys()]).toEqual(['linux-small-403']);
  });

  it('makes the runner when GitHub cannot say, and logs that it could not', async () => {
    // Prepare
    const { cluster, registry, log, runBatch } = scalerHarness();
    registry.runnerGroupOpenTo = () =>
      Promise.reject(
        new AutoscalerError('GitHub: list the runner groups failed (403)', {
          kind: 'github',
          retryable: false,
        }),
      );

    // Act
    await runBatch(jobMessage({ jobId: 404 }));

    // Assess
    expect([...cluster.pods.keys()]).toEqual(['linux-small-404']);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'could not tell whether the runner group may run the repository; making the runner',
        attributes: expect.objectContaining({ jobId: 404, error: expect.stringContaining('(403)') }),
      }),
    );
  });
});
