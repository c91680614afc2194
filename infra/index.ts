// What another CDK app imports from the package.
export type {
  AutoscalerConfig,
  AutoscalerConfigInput,
  RunnerClass,
} from '../lib/config/autoscalerConfig.ts';
export { loadConfigFile, parseConfig } from '../lib/config/loadConfig.ts';
export { ConfigError } from '../lib/errors.ts';
export { RunnerAutoscaler } from './constructs/RunnerAutoscaler.ts';
export type { RunnerAutoscalerProps } from './constructs/RunnerAutoscalerProps.ts';
