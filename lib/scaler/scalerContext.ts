import type { AutoscalerConfig, RunnerClass } from '../config/autoscalerConfig.ts';
import type { JobQueue, Log, Metrics, RunnerCluster, RunnerRegistry } from '../ports.ts';
import { CapacityGate } from './capacityGate.ts';
import { refusingAfterDeadline, timeForRecordsMs } from './recordDeadline.ts';

/** Everything the scaler core works with for one batch. */
export interface ScalerContext {
  config: AutoscalerConfig;
  cluster: RunnerCluster;
  registry: RunnerRegistry;
  capacity: CapacityGate;
  log: Log;
  metrics: Metrics;
  now: () => Date;
  /** Aborts when the batch's records must stop, leaving time to put back those unfinished. */
  deadline: AbortSignal;
  /** The job queue, for a message that must be sent before a step that cannot be undone. */
  queue: Pick<JobQueue, 'send'>;
}

export function findRunnerClass(config: AutoscalerConfig, name: string): RunnerClass | undefined {
  return config.runnerClasses.find((runnerClass) => runnerClass.name === name);
}

export type ScalerDependencies = Omit<ScalerContext, 'capacity' | 'now' | 'deadline' | 'queue'> & {
  now?: () => Date;
};

/**
 * The context for one batch: capacity is counted afresh for every batch, and its records have until
 * the deadline. Outside Lambda (the local mode), a batch has the time a scaler invocation would have.
 */
export function newBatchContext(
  dependencies: ScalerDependencies,
  remainingTimeMs = dependencies.config.scaler.timeoutSeconds * 1000,
): Omit<ScalerContext, 'queue'> {
  const deadline = AbortSignal.timeout(timeForRecordsMs(remainingTimeMs));
  const cluster = refusingAfterDeadline(deadline, dependencies.cluster);
  return {
    now: () => new Date(),
    ...dependencies,
    cluster,
    registry: refusingAfterDeadline(deadline, dependencies.registry),
    capacity: new CapacityGate(cluster),
    deadline,
  };
}
