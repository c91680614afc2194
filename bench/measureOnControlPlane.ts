import type { AutoscalerConfig } from '../lib/config/autoscalerConfig.ts';
import { addFakeNode, startControlPlane } from '../test/cluster/controlPlane.ts';
import { startGitHubStandIn } from '../test/helpers/gitHubStandIn.ts';
import { removePods, runBurst } from './burst.ts';
import { CEILING_IN_FLIGHT, measureCeiling } from './ceiling.ts';
import { runEndToEnd } from './e2e.ts';
import { measureRunnerRootCopy } from './runnerRoot.ts';

const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

export interface ControlPlaneBenchOptions {
  burstRuns: number;
  burstJobs: number;
  /** Leave out to skip the end-to-end runs. */
  e2e?: { jobsPerSecond: number; seconds: number };
  /** dood runner pods whose runner-root copy is timed on the real node; leave out to skip. */
  runnerRootCopies?: number;
}

/**
 * The burst and the end-to-end run, several times each, on one control plane; each run has a class
 * of its own. Right after each burst, a bare client does the scaler's write shape on the same control
 * plane (`ceiling.ts`), so each burst is read against the ceiling of its own moment on this shared
 * machine.
 */
export async function measureOnControlPlane(config: AutoscalerConfig, options: ControlPlaneBenchOptions) {
  const controlPlane = await startControlPlane();
  const gitHub = await startGitHubStandIn();
  try {
    // Each runner pod asks for 100m (its runner-root init container): 1000 need more than the test's ten nodes.
    for (let index = 0; index < 10; index++) {
      await addFakeNode(controlPlane.server, controlPlane.adminToken, {
        name: `bench-node-${index}`,
        labels: {},
        taints: [],
        cpu: '8',
        memory: '32Gi',
      });
    }
    const runs = [];
    const e2eRuns = [];
    const base = config.runnerClasses[0];
    if (!base) throw new Error('no runner class in the example config');
    const runnerClass = (name: string) => ({
      ...base,
      name,
      maxRunners: 10_000,
      resources: { requests: { cpu: '10m', memory: '16Mi' } },
      // Every fake node, the tainted docker pool too.
      tolerations: [{ key: 'github-runners', operator: 'Exists' as const, effect: 'NoSchedule' as const }],
    });
    for (let run = 1; run <= options.burstRuns; run++) {
      progress(`burst run ${run}/${options.burstRuns}: ${options.burstJobs} jobs`);
      const burst = await runBurst(controlPlane, gitHub, config, runnerClass(`burst-${run}`), {
        jobs: options.burstJobs,
        concurrency: config.scaler.maxConcurrency,
        batchSize: config.scaler.batchSize,
        duplicateShare: 0.05,
      });
      const ceilings = [];
      for (const inFlight of CEILING_IN_FLIGHT) {
        const ceilingClass = runnerClass(`ceiling-${run}-${inFlight}`);
        ceilings.push(
          await measureCeiling(controlPlane, config, ceilingClass, { runners: options.burstJobs, inFlight }),
        );
        await removePods(controlPlane, ceilingClass.name);
      }
      const ceiling = Math.max(...ceilings.map((level) => level.runnersPerSecond));
      progress(
        `burst run ${run}: ${burst.podsPerSecond.toFixed(1)} pods/s, ceiling ${ceiling.toFixed(1)} runners/s ` +
          `(${ceilings.map((level) => `${level.inFlight} in flight: ${level.runnersPerSecond.toFixed(0)}`).join(', ')}), ` +
          `ratio ${(burst.podsPerSecond / ceiling).toFixed(2)}, ${burst.apiWritesPerRunner.toFixed(2)} writes/runner`,
      );
      const work = burst.apiServerWork.map(
        (kind) => `${kind.kind} ${kind.requests} × ${kind.meanMs.toFixed(1)} ms`,
      );
      progress(
        `burst run ${run}: API server ${work.join(', ')}, ${burst.reservationConflicts} reservation 409s, ` +
          `${burst.podsCreated} pods, ${burst.deadLetters} dead letters ${burst.deadLetterReasons.join(' | ')}`,
      );
      const cpu = (figures: { client: number; apiServer: number }) =>
        `${figures.client.toFixed(1)} ms here, ${figures.apiServer.toFixed(1)} ms API server`;
      progress(
        `burst run ${run}: CPU per runner ${cpu(burst.cpuMsPerRunner)}; ceiling ` +
          ceilings.map((level) => `${level.inFlight} in flight: ${cpu(level.cpuMsPerRunner)}`).join(', '),
      );
      runs.push({ ...burst, ceiling, ceilings, ratio: burst.podsPerSecond / ceiling });
    }
    const e2e = options.e2e;
    for (let run = 1; e2e && run <= options.burstRuns; run++) {
      progress(`e2e run ${run}/${options.burstRuns}: ${e2e.jobsPerSecond} jobs/s for ${e2e.seconds} s`);
      e2eRuns.push(await runEndToEnd(controlPlane, gitHub, config, runnerClass(`e2e-${run}`), e2e));
    }
    const copies = options.runnerRootCopies;
    if (copies) progress(`runner root copy: ${copies} dood runner pods on the real node`);
    const runnerRootCopies = copies ? await measureRunnerRootCopy(controlPlane, copies) : [];
    return { version: controlPlane.version, runs, e2eRuns, runnerRootCopies };
  } finally {
    await gitHub.close();
    await controlPlane.stop();
  }
}
