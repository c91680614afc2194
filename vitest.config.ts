import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['./test/cluster/globalSetup.ts'],
    reporters: ['default', './test/plainSummaryReporter.ts'],
  },
});
