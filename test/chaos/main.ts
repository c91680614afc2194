import { startControlPlane } from '../cluster/controlPlane.ts';
import { invariantsHold, runChaos, summaryLine } from './runChaos.ts';

/**
 * `npm run chaos [-- JOBS]`: the chaos run on a control plane of its own (1,000 jobs unless told),
 * printing progress to stderr and, last, one summary line; it exits non-zero if an invariant fails.
 * `CHAOS_WARM_POOL=N` gives the main class a warm pool of N for the first two minutes.
 */
const jobs = Number(process.argv[2] ?? 1000);
const warmPool = Number(process.env.CHAOS_WARM_POOL ?? 0);
const controlPlane = await startControlPlane();
let passed = false;
try {
  const summary = await runChaos(controlPlane, {
    jobs,
    timeoutSeconds: Math.max(300, jobs),
    warmPool,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(`${JSON.stringify(summary.details, null, 2)}\n`);
  process.stdout.write(`${summaryLine(summary)}\n`);
  passed = invariantsHold(summary);
} finally {
  await controlPlane.stop();
}
process.exit(passed ? 0 : 1);
