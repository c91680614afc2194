import { Logger } from '@aws-lambda-powertools/logger';
import { EKSClient } from '@aws-sdk/client-eks';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { sendCustomResourceResponse } from '../lib/adapters/customResourceResponse.ts';
import { eksApi } from '../lib/adapters/eksCoreApi.ts';
import { KubernetesApplier } from '../lib/adapters/kubernetesApplier.ts';
import { powertoolsLog } from '../lib/adapters/powertoolsLog.ts';
import { createPrerequisitesHandler } from '../lib/cluster/prerequisitesResource.ts';
import { ENV, requireEnv } from '../lib/environment.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-cluster-prerequisites' });
const region = requireEnv('AWS_REGION');
const eks = new EKSClient({ region });

/** CloudFormation custom resource: applies the runner namespace and the dood Docker daemons at deploy. */
export const handler = createPrerequisitesHandler({
  applier: new KubernetesApplier(
    eksApi(
      { clusterName: requireEnv(ENV.clusterName), region, eks, credentials: eks.config.credentials },
      (kubeConfig) => KubernetesObjectApi.makeApiClient(kubeConfig),
    ),
  ),
  log: powertoolsLog(logger),
  respond: sendCustomResourceResponse,
});
