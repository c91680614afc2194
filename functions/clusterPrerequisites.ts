import { Logger } from '@aws-lambda-powertools/logger';
import { environmentCredentials } from '../lib/adapters/awsApi.ts';
import { sendCustomResourceResponse } from '../lib/adapters/customResourceResponse.ts';
import { eksApi } from '../lib/adapters/eksCoreApi.ts';
import { eksDescribeCluster } from '../lib/adapters/eksDescribeCluster.ts';
import { KubernetesApplier } from '../lib/adapters/kubernetesApplier.ts';
import { powertoolsLog } from '../lib/adapters/powertoolsLog.ts';
import { createPrerequisitesHandler } from '../lib/cluster/prerequisitesResource.ts';
import { ENV, requireEnv } from '../lib/environment.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-cluster-prerequisites' });
const region = requireEnv('AWS_REGION');

/** CloudFormation custom resource: applies the runner namespace and the dood Docker daemons at deploy. */
export const handler = createPrerequisitesHandler({
  applier: new KubernetesApplier(
    eksApi(
      {
        clusterName: requireEnv(ENV.clusterName),
        region,
        describeCluster: eksDescribeCluster(),
        credentials: environmentCredentials(),
      },
      (kubeConfig, { KubernetesObjectApi }) => KubernetesObjectApi.makeApiClient(kubeConfig),
    ),
  ),
  log: powertoolsLog(logger),
  respond: sendCustomResourceResponse,
});
