import type { AutoscalerConfig } from '../config/autoscalerConfig.ts';
import { dockerdSidecar, RUNNER_ROOT_PARENT } from '../pod/buildRunnerPod.ts';
import { LABEL, MANAGED_BY } from '../pod/labels.ts';
import { runnerPriorityClassName } from '../pod/runnerNames.ts';
import { DOCKERD_NAME_PREFIX, JANITOR_NAME_PREFIX } from './buildClusterPrerequisites.ts';
import type {
  ValidatingAdmissionPolicyBindingManifest,
  ValidatingAdmissionPolicyManifest,
} from './clusterManifests.ts';

/** The name of the policy, and of its binding, of the deployment in this runner namespace. */
export function runnerPodPolicyName(namespace: string): string {
  return `eks-runner-autoscaler-runner-pods-${namespace}`;
}

/**
 * The pods of the `dood` placements' node DaemonSets: the Docker daemons, privileged at
 * system-node-critical, and their janitors, root with the runner roots' folder and the daemon's
 * socket mounted. Made by the DaemonSet controller (as its own service account, or as the controller
 * manager) for one of our DaemonSets. Every other pod, the scaler's above all, and a Deployment's,
 * is held to the policy.
 */
const nodeDaemonPod = () =>
  `(request.userInfo.username == 'system:serviceaccount:kube-system:daemon-set-controller' || request.userInfo.username == 'system:kube-controller-manager') && has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(r, r.kind == 'DaemonSet' && (r.name.startsWith(${JSON.stringify(`${DOCKERD_NAME_PREFIX}-`)}) || r.name.startsWith(${JSON.stringify(`${JANITOR_NAME_PREFIX}-`)})))`;

/**
 * An admission policy on the pods created in the runner namespace: what the scaler's identity may
 * create there is what the runner pods of the configured classes need, and no more. Its rights (EKS's
 * edit policy in the namespace) would otherwise let it make any pod there: one at system-node-critical
 * priority that preempts the cluster's own pods, on the node's network or process namespace, or
 * privileged, or with a node's path mounted, or running as another service account. So, on every pod
 * created there but the node DaemonSets' (nodeDaemonPod):
 *
 * - its PriorityClass is none, or one of the classes' own;
 * - it shares none of the node's network, process or IPC namespaces, and adds no capability;
 * - it is privileged only in a `dind` class's Docker sidecar, exactly as that class makes it (image,
 *   arguments, no command of its own), so no privileged container runs anything else;
 * - it mounts a node path only for a `dood` class: a runner root, or a class's Docker socket;
 * - it runs as the namespace's `default` service account.
 *
 * Derived from the config, so a config change that needs more (a new `dind` class) brings the policy
 * along in the same deploy. Pure.
 */
export function buildRunnerPodPolicy(
  config: Pick<AutoscalerConfig, 'cluster' | 'runnerClasses'>,
): [ValidatingAdmissionPolicyManifest, ValidatingAdmissionPolicyBindingManifest] {
  const { namespace } = config.cluster;
  const name = runnerPodPolicyName(namespace);
  const labels = { [LABEL.managedBy]: MANAGED_BY };
  const priorityClasses = config.runnerClasses.flatMap(({ name: className, priority }) =>
    priority === undefined ? [] : [runnerPriorityClassName({ name: className, priority })],
  );
  const sidecars = config.runnerClasses
    .filter(({ containerMode }) => containerMode === 'dind')
    .map((runnerClass) => dockerdSidecar(runnerClass, RUNNER_ROOT_PARENT));
  const isDindSidecar = anyOf(
    sidecars.map(
      ({ image, args }) =>
        `(c.image == ${cel(image)} && !has(c.command) && has(c.args) && c.args == ${cel(args ?? [])})`,
    ),
  );
  const doodSockets = config.runnerClasses
    .filter(({ containerMode }) => containerMode === 'dood')
    .map(({ dockerSocketPath }) => dockerSocketPath);
  const allowedHostPath =
    doodSockets.length === 0
      ? 'false'
      : `(v.hostPath.path.startsWith(${cel(`${RUNNER_ROOT_PARENT}/`)}) && !v.hostPath.path.contains('..')) || v.hostPath.path in ${cel([...new Set(doodSockets)])}`;
  const flag = (field: string) => `(has(object.spec.${field}) && object.spec.${field})`;

  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] },
          ],
        },
        matchConditions: [{ name: 'not-a-node-daemon', expression: `!(${nodeDaemonPod()})` }],
        variables: [
          {
            name: 'containers',
            expression:
              'object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])',
          },
        ],
        validations: [
          {
            expression: `!has(object.spec.priorityClassName) || object.spec.priorityClassName == '' || object.spec.priorityClassName in ${cel(priorityClasses)}`,
            message: `a pod in ${namespace} may have only the PriorityClass of a runner class: ${priorityClasses.join(', ') || 'none is configured'}`,
            reason: 'Forbidden',
          },
          {
            expression: `!${flag('hostNetwork')} && !${flag('hostPID')} && !${flag('hostIPC')}`,
            message: `a pod in ${namespace} may not share the node's network, process or IPC namespaces`,
            reason: 'Forbidden',
          },
          {
            expression:
              'variables.containers.all(c, !has(c.securityContext) || !has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add) || size(c.securityContext.capabilities.add) == 0)',
            message: `a container in ${namespace} may not add capabilities`,
            reason: 'Forbidden',
          },
          {
            expression: `variables.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged || ${isDindSidecar})`,
            message: `a container in ${namespace} may be privileged only as a dind class's Docker sidecar${sidecars.length === 0 ? ', and no class is dind' : ''}`,
            reason: 'Forbidden',
          },
          {
            expression: `!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath) || ${allowedHostPath})`,
            message: `a pod in ${namespace} may mount a node path only for a dood class: a runner root under ${RUNNER_ROOT_PARENT}/ or a class's Docker socket${doodSockets.length === 0 ? ', and no class is dood' : ''}`,
            reason: 'Forbidden',
          },
          {
            expression: "!has(object.spec.serviceAccountName) || object.spec.serviceAccountName == 'default'",
            message: `a pod in ${namespace} runs as the default service account only`,
            reason: 'Forbidden',
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels },
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ];
}

/** A CEL literal: JSON's strings and lists of strings are CEL's too. */
function cel(value: string | readonly string[]): string {
  return JSON.stringify(value);
}

function anyOf(conditions: readonly string[]): string {
  return conditions.length === 0 ? 'false' : conditions.join(' || ');
}
