import type { AutoscalerConfig, RunnerClass } from '../config/autoscalerConfig.ts';
import type { Log, Metrics, RunnerCluster, RunnerRegistry } from '../ports.ts';
import { CapacityGate } from './capacityGate.ts';

/** Everything the scaler core works with for one batch. */
export interface ScalerContext {
  config: AutoscalerConfig;
  cluster: RunnerCluster;
  registry: RunnerRegistry;
  capacity: CapacityGate;
  log: Log;
  metrics: Metrics;
  now: () => Date;
}

export function findRunnerClass(config: AutoscalerConfig, name: string): RunnerClass | undefined {
  return config.runnerClasses.find((runnerClass) => runnerClass.name === name);
}

export type ScalerDependencies = Omit<ScalerContext, 'capacity' | 'now'> & { now?: () => Date };

/** The context for one batch: capacity is counted afresh for every batch. */
export function newBatchContext(dependencies: ScalerDependencies): ScalerContext {
  return {
    now: () => new Date(),
    ...dependencies,
    capacity: new CapacityGate(dependencies.cluster),
  };
}
