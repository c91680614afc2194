import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/loadConfig.ts';
import { exampleConfigInput } from '../helpers/factories.ts';

/** The example config with its first class's pool changed. */
function withPool(pool: Record<string, unknown>, github: Record<string, unknown> = {}) {
  const input = exampleConfigInput();
  const [first, ...rest] = input.runnerClasses;
  return {
    ...input,
    github: { ...input.github, ...github },
    runnerClasses: [{ ...first, pool: { ...first?.pool, ...pool } }, ...rest],
  };
}

describe('a runner class pool in the config', () => {
  it('takes the example scheduled pool and fills in the documented defaults', () => {
    // Act
    const config = parseConfig(withPool({ timezone: undefined, size: undefined }));

    // Assess
    expect(config.runnerClasses[0]?.pool).toEqual({
      size: 0,
      timezone: 'UTC',
      scope: 'acme',
      schedules: [
        { cron: '0 8 * * 1-5', size: 10 },
        { cron: '0 19 * * 1-5', size: 0 },
      ],
    });
    expect(config.runnerClasses[1]?.pool).toBeUndefined();
  });

  it.each([
    [
      'a cron expression that is not one',
      { schedules: [{ cron: '0 8 * *', size: 1 }] },
      'runnerClasses[0].pool.schedules[0].cron: must be a cron expression of five fields',
    ],
    [
      'a cron expression with seconds',
      { schedules: [{ cron: '0 0 8 * * 1-5', size: 1 }] },
      'runnerClasses[0].pool.schedules[0].cron: must be a cron expression of five fields',
    ],
    [
      'an unknown time zone',
      { timezone: 'Europe/Atlantis' },
      'runnerClasses[0].pool.timezone: must be an IANA time zone',
    ],
    [
      'a schedule larger than maxRunners',
      { schedules: [{ cron: '0 8 * * *', size: 51 }] },
      'runnerClasses[0].pool.schedules[0].size: must be at most maxRunners (50)',
    ],
    [
      'a base size larger than maxRunners',
      { size: 60 },
      'runnerClasses[0].pool.size: must be at most maxRunners',
    ],
    [
      'a scope that is no account',
      { scope: 'acme inc' },
      'runnerClasses[0].pool.scope: must be an organisation',
    ],
    [
      'an organisation the App does not serve',
      { scope: 'other' },
      'runnerClasses[0].pool.scope: must be in one of github.allowedOrgs (acme)',
    ],
    ['a misspelt field', { sise: 3 }, 'runnerClasses[0].pool: unknown field "sise"'],
  ])('refuses %s, naming the field', (_what, pool, message) => {
    expect(() => parseConfig(withPool(pool))).toThrow(message);
  });

  it('asks for a repository when runners register on repositories', () => {
    expect(() => parseConfig(withPool({}, { runnerScope: 'repo' }))).toThrow(
      'runnerClasses[0].pool.scope: must be a repository ("owner/name"): github.runnerScope is "repo"',
    );
    expect(
      parseConfig(withPool({ scope: 'acme/app' }, { runnerScope: 'repo' })).runnerClasses[0]?.pool?.scope,
    ).toBe('acme/app');
  });
});
