import { readFileSync } from 'node:fs';
import type {
  AutoscalerConfig,
  AutoscalerConfigInput,
  RunnerClass,
} from '../../lib/config/autoscalerConfig.ts';
import { parseConfig } from '../../lib/config/loadConfig.ts';
import { JOB_MESSAGE_SCHEMA_VERSION, type JobMessage } from '../../lib/jobMessage.ts';
import { ANNOTATION } from '../../lib/pod/labels.ts';
import { runnerPodNameOf } from '../../lib/pod/runnerNames.ts';
import type { RunnerPod } from '../../lib/ports.ts';

export const exampleConfigInput = (): AutoscalerConfigInput =>
  JSON.parse(readFileSync(new URL('../../autoscaler.config.example.json', import.meta.url), 'utf8'));

/**
 * The example configuration, with `overrides` merged in at the top level of each section, and without
 * the example's warm pool: a test that wants one gives its class a pool of its own.
 */
export function testConfig(overrides: Partial<AutoscalerConfigInput> = {}): AutoscalerConfig {
  const input = exampleConfigInput();
  const runnerClasses = input.runnerClasses.map(({ pool: _pool, ...runnerClass }) => runnerClass);
  return parseConfig({
    ...input,
    runnerClasses,
    ...overrides,
    github: { ...input.github, ...overrides.github },
  });
}

/** The example configuration's class of that container mode. */
export function exampleRunnerClass(mode: RunnerClass['containerMode']): RunnerClass {
  const found = testConfig().runnerClasses.find((runnerClass) => runnerClass.containerMode === mode);
  if (!found) throw new Error(`no ${mode} class in the example config`);
  return found;
}

/** The example configuration with every class limited to `maxRunners`. */
export function testConfigWithMaxRunners(maxRunners: number): AutoscalerConfig {
  const base = testConfig();
  return {
    ...base,
    runnerClasses: base.runnerClasses.map((runnerClass) => ({ ...runnerClass, maxRunners })),
  };
}

let nextJobId = 1000;

export function jobMessage(overrides: Partial<JobMessage> = {}): JobMessage {
  const jobId = overrides.jobId ?? nextJobId++;
  return {
    schemaVersion: JOB_MESSAGE_SCHEMA_VERSION,
    deliveryId: `delivery-${jobId}`,
    action: 'queued',
    jobId,
    runId: 77,
    runAttempt: 1,
    repository: 'acme/app',
    org: 'acme',
    installationId: 42,
    labels: ['self-hosted', 'linux', 'small'],
    runnerName: null,
    runnerId: null,
    createdAt: '2026-11-28T10:00:00Z',
    startedAt: null,
    completedAt: null,
    runnerClass: 'linux-small',
    attempt: 0,
    failures: 0,
    replacements: 0,
    waitingChecks: 0,
    ...overrides,
  };
}

/** A runner pod as the cluster reports it, made for the job: started, not killed, no runner ID. */
export function runnerPodFor(job: JobMessage, overrides: Partial<RunnerPod> = {}): RunnerPod {
  return {
    name: runnerPodNameOf(job),
    uid: `uid-${job.jobId}`,
    runnerClass: job.runnerClass,
    phase: 'Failed',
    problem: 'failed',
    createdAt: new Date('2026-11-28T10:00:05Z'),
    gated: false,
    deleting: false,
    annotations: { [ANNOTATION.job]: JSON.stringify(job) },
    resourceVersion: '1',
    ...overrides,
  };
}
