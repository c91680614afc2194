import { Logger } from '@aws-lambda-powertools/logger';
import { EKSClient } from '@aws-sdk/client-eks';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { eksApi } from '../lib/adapters/eksCoreApi.ts';
import { KubernetesApplier } from '../lib/adapters/kubernetesApplier.ts';
import {
  type CustomResourceEvent,
  handlePrerequisitesEvent,
  sendCustomResourceResponse,
} from '../lib/cluster/prerequisitesResource.ts';
import { ENV, requireEnv } from '../lib/environment.ts';

const logger = new Logger({ serviceName: 'eks-runner-autoscaler-cluster-prerequisites' });
const region = requireEnv('AWS_REGION');
const eks = new EKSClient({ region });
const applier = new KubernetesApplier(
  eksApi(
    { clusterName: requireEnv(ENV.clusterName), region, eks, credentials: eks.config.credentials },
    (kubeConfig) => KubernetesObjectApi.makeApiClient(kubeConfig),
  ),
);

/** CloudFormation custom resource: applies the runner namespace and the dood Docker daemons at deploy. */
export async function handler(event: CustomResourceEvent): Promise<void> {
  const response = await handlePrerequisitesEvent(event, applier);
  logger.info('cluster prerequisites', {
    requestType: event.RequestType,
    status: response.Status,
    reason: response.Reason,
  });
  await sendCustomResourceResponse(event.ResponseURL, response);
}
