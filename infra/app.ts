import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CLUSTER_ADMIN_CONTEXT_KEY } from '../lib/cluster/buildPrerequisitesAccess.ts';
import { loadConfigFile } from '../lib/config/loadConfig.ts';
import { ConfigError } from '../lib/errors.ts';
import { AutoscalerStack } from './AutoscalerStack.ts';

const app = new App();
const configFile = app.node.tryGetContext('autoscalerConfig') ?? 'autoscaler.config.json';
try {
  const config = loadConfigFile(configFile);
  new AutoscalerStack(app, app.node.tryGetContext('stackName') ?? 'EksRunnerAutoscaler', {
    config,
    prerequisitesClusterAdmin: String(app.node.tryGetContext(CLUSTER_ADMIN_CONTEXT_KEY)) === 'true',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(2);
}
