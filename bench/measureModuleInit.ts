import { execFileSync } from 'node:child_process';
import { summarize } from './statistics.ts';

/**
 * Time to import a bundle in a fresh Node 24 process, as Lambda's init does: parse, compile and run
 * its top level (config checks, client set-up). Each sample is a new process.
 */
export function measureModuleInit(bundlePath: string, environment: Record<string, string>, samples: number) {
  const script = `const t = performance.now(); await import(${JSON.stringify(bundlePath)}); process.stdout.write(String(performance.now() - t));`;
  const times = Array.from({ length: samples }, () =>
    Number(
      execFileSync('node_modules/.bin/node', ['--input-type=module', '-e', script], {
        env: { ...process.env, ...environment },
      }).toString(),
    ),
  );
  return summarize(times);
}
