import { CEILING_IN_FLIGHT } from './ceiling.ts';
import type { measureOnControlPlane } from './measureOnControlPlane.ts';
import { figure, withSpread } from './statistics.ts';

type ControlPlaneRuns = Awaited<ReturnType<typeof measureOnControlPlane>>;

/** The burst's figures over its runs, for bench/results.json. */
export function burstFigures({ version, runs }: ControlPlaneRuns) {
  const first = runs[0];
  return {
    apiServerVersion: version,
    jobsPerRun: first?.jobs,
    scalerConcurrency: first?.concurrency,
    batchSize: first?.batchSize,
    duplicateDeliveries: '5%',
    secondsUntilAllPodsExist: figure(
      runs.map((r) => r.secondsUntilAllPodsExist),
      2,
    ),
    podsPerSecond: figure(runs.map((r) => r.podsPerSecond)),
    ceilingRunnersPerSecond: figure(runs.map((r) => r.ceiling)),
    ceilingNote: `a bare client doing the scaler's writes per runner (gated pod, its Secret, one release patch) right after each burst, best of ${CEILING_IN_FLIGHT.join(', ')} runners in flight`,
    ratioToCeiling: figure(
      runs.map((r) => r.ratio),
      2,
    ),
    secondsUntilAllRunning: figure(
      runs.map((r) => r.secondsUntilAllRunning),
      2,
    ),
    cpuMsPerRunner: cpuFigures(runs.map((r) => r.cpuMsPerRunner)),
    ceilingCpuMsPerRunner: cpuFigures(runs.map((r) => fastestCeiling(r.ceilings).cpuMsPerRunner)),
    cpuNote:
      'CPU ms per runner: the bench process (scaler instances and GitHub stand-in, or the bare client) and the API server; the ceiling at its fastest level',
    apiWritesPerRunner: figure(
      runs.map((r) => r.apiWritesPerRunner),
      2,
    ),
    reservationConflictsPerRun: figure(
      runs.map((r) => r.reservationConflicts),
      0,
    ),
    jitConfigsPerJob: figure(
      runs.map((r) => r.jitConfigsRequested / r.jobs),
      2,
    ),
    duplicatePods: Math.max(...runs.map((r) => r.duplicatePods)),
    /** Jobs left without a pod when the burst's queue ran dry (dead letters included). */
    jobsWithoutPod: Math.max(...runs.map((r) => r.jobs - (r.podsCreated - r.duplicatePods))),
    deadLetters: Math.max(...runs.map((r) => r.deadLetters)),
    note: 'etcd, kube-apiserver, kube-scheduler, kube-controller-manager, KWOK, the GitHub stand-in and the scaler share this machine',
  };
}

type CpuMs = { client: number; apiServer: number };

function cpuFigures(perRun: CpuMs[]) {
  return {
    benchProcess: figure(
      perRun.map((cpu) => cpu.client),
      1,
    ),
    apiServer: figure(
      perRun.map((cpu) => cpu.apiServer),
      1,
    ),
  };
}

function fastestCeiling<Level extends { runnersPerSecond: number }>(levels: Level[]): Level {
  const [first, ...rest] = levels;
  if (!first) throw new Error('the ceiling was not measured');
  return rest.reduce((best, level) => (level.runnersPerSecond > best.runnersPerSecond ? level : best), first);
}

export function burstRows(burst: ReturnType<typeof burstFigures>): string[][] {
  return [
    [`burst: pods/s, ${burst.jobsPerRun} jobs`, withSpread(burst.podsPerSecond), ''],
    ['burst: ceiling, bare client runners/s', withSpread(burst.ceilingRunnersPerSecond), ''],
    ['burst: ratio to the ceiling', withSpread(burst.ratioToCeiling), '≥ 0.7'],
    ['burst: s until all pods exist', withSpread(burst.secondsUntilAllPodsExist), ''],
    ['burst: CPU ms per runner, bench process', withSpread(burst.cpuMsPerRunner.benchProcess), ''],
    ['burst: CPU ms per runner, API server', withSpread(burst.cpuMsPerRunner.apiServer), ''],
    [
      'burst: ceiling CPU ms per runner, bare client',
      withSpread(burst.ceilingCpuMsPerRunner.benchProcess),
      '',
    ],
    ['burst: ceiling CPU ms per runner, API server', withSpread(burst.ceilingCpuMsPerRunner.apiServer), ''],
    ['burst: API writes per runner', withSpread(burst.apiWritesPerRunner), ''],
    ['burst: reservation conflicts (409)', withSpread(burst.reservationConflictsPerRun), ''],
    ['burst: duplicate pods', `${burst.duplicatePods}`, '0'],
    ['burst: jobs left without a pod', `${burst.jobsWithoutPod} (${burst.deadLetters} dead letters)`, '0'],
  ];
}
