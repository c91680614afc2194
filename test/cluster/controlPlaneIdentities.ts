import { writeFileSync } from 'node:fs';
import { prerequisitesGroup } from '../../lib/cluster/buildPrerequisitesAccess.ts';
import { REAL_NODE } from './realNodeNames.ts';

/** The runner namespace of the deployment whose prerequisites function the prerequisites identity is. */
export const PREREQUISITES_NAMESPACE = 'prerequisites-narrow';

/**
 * Writes the API server's token file, and returns the tokens: the admin, in system:masters; the
 * scaler, with no group; the real node's kubelet, a node identity the Node authorizer knows; and the prerequisites function as EKS maps its role, the assumed-role ARN
 * as the user, in the group of PREREQUISITES_NAMESPACE's deployment and no other.
 */
export function writeTokenFile(path: string): Record<'admin' | 'scaler' | 'prerequisites' | 'node', string> {
  const tokens = {
    admin: `admin-${crypto.randomUUID()}`,
    scaler: `scaler-${crypto.randomUUID()}`,
    prerequisites: `prerequisites-${crypto.randomUUID()}`,
    node: `node-${crypto.randomUUID()}`,
  };
  const prerequisitesUser =
    'arn:aws:sts::111111111111:assumed-role/EksRunnerAutoscaler-ClusterPrerequisitesApplyRole/prerequisites';
  writeFileSync(
    path,
    [
      `${tokens.admin},admin,admin,"system:masters"`,
      `${tokens.scaler},eks-runner-autoscaler-scaler,scaler,`,
      `${tokens.prerequisites},${prerequisitesUser},prerequisites,"${prerequisitesGroup(PREREQUISITES_NAMESPACE)}"`,
      `${tokens.node},system:node:${REAL_NODE.name},node,"system:nodes"`,
      '',
    ].join('\n'),
  );
  return tokens;
}
