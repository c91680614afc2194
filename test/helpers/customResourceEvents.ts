import type { ApiObject } from '../../lib/cluster/clusterManifests.ts';
import type { CustomResourceEvent } from '../../lib/cluster/prerequisitesResource.ts';

/** A CloudFormation request to the cluster prerequisites custom resource, with its `Objects` (and the old ones). */
export function prerequisitesEvent(
  RequestType: CustomResourceEvent['RequestType'],
  objects: readonly ApiObject[],
  old?: readonly ApiObject[],
): CustomResourceEvent {
  return {
    RequestType,
    ResponseURL: 'https://cloudformation-custom-resource-response.s3.amazonaws.com/presigned',
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'ClusterPrerequisites',
    PhysicalResourceId: 'ClusterPrerequisites-cluster-prerequisites',
    ResourceProperties: { Objects: JSON.stringify(objects) },
    ...(old && { OldResourceProperties: { Objects: JSON.stringify(old) } }),
  };
}
