import { describe, expect, it } from 'vitest';
import { parseRunnerPodName, runnerPodName } from '../../lib/pod/runnerNames.ts';
import { runnerRegistrationUrl, runnerScopeForJob } from '../../lib/runners/runnerScope.ts';

describe('runner names', () => {
  it('derives the pod name from the class and the job only', () => {
    expect(runnerPodName('linux-small', 29679449123)).toBe('linux-small-29679449123');
  });

  it('recognises only names of configured classes', () => {
    const classes = ['linux-small', 'linux'];
    expect(parseRunnerPodName('linux-small-42', classes)).toEqual({
      runnerClassName: 'linux-small',
      jobId: 42,
    });
    expect(parseRunnerPodName('linux-42', classes)).toEqual({ runnerClassName: 'linux', jobId: 42 });
    expect(parseRunnerPodName('GitHub Actions 5', classes)).toBeUndefined();
    expect(parseRunnerPodName('other-42', classes)).toBeUndefined();
    expect(parseRunnerPodName('linux-small', classes)).toBeUndefined();
  });
});

describe('runner scope', () => {
  it('registers organisation runners, and repository runners for user-owned repositories', () => {
    expect(runnerScopeForJob({ repository: 'acme/app', org: 'acme' }, { runnerScope: 'org' })).toEqual({
      kind: 'org',
      org: 'acme',
    });
    expect(runnerScopeForJob({ repository: 'octocat/hello', org: null }, { runnerScope: 'org' })).toEqual({
      kind: 'repo',
      owner: 'octocat',
      repo: 'hello',
    });
    expect(runnerScopeForJob({ repository: 'acme/app', org: 'acme' }, { runnerScope: 'repo' })).toMatchObject(
      {
        kind: 'repo',
      },
    );
  });

  it('derives the registration URL from the API URL, for github.com and Enterprise Server', () => {
    expect(runnerRegistrationUrl('https://api.github.com', { kind: 'org', org: 'acme' })).toBe(
      'https://github.com/acme',
    );
    expect(
      runnerRegistrationUrl('https://ghe.example.com/api/v3', { kind: 'repo', owner: 'a', repo: 'b' }),
    ).toBe('https://ghe.example.com/a/b');
  });
});
