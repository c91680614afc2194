import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AutoscalerStack, type AutoscalerStackProps } from '../../infra/AutoscalerStack.ts';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { testConfig } from './factories.ts';

/** Synthesizes the stack without bundling (esbuild is exercised by the synth test). */
export function synth(
  config: AutoscalerConfig = testConfig(),
  props: Pick<AutoscalerStackProps, 'prerequisitesClusterAdmin'> = {},
) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new AutoscalerStack(app, 'Test', {
    config,
    ...props,
    env: { account: '111111111111', region: 'eu-west-1' },
  });
  return { app, stack, template: Template.fromStack(stack) };
}
