import type { RunnerRegistration } from '../ports.ts';
import { ANNOTATION, LABEL, MANAGED_BY } from './labels.ts';
import type { SecretManifest } from './podManifest.ts';
import { runnerSecretName } from './runnerNames.ts';
import { SECRET_KEY } from './runnerPodRegistration.ts';

/**
 * The Secret that carries a runner's registration to its pod. The pod owns it, so the garbage
 * collector removes it with the pod even if the scaler never gets to.
 */
export function buildRunnerSecret(
  pod: { name: string; uid: string; namespace: string; runnerClassName: string },
  registration: RunnerRegistration,
): SecretManifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: runnerSecretName(pod.name),
      namespace: pod.namespace,
      labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.runnerClass]: pod.runnerClassName },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid }],
      // A registration interrupted before the pod was released is finished from this (ensureRunnerPod).
      annotations:
        registration.kind === 'jit' ? { [ANNOTATION.runnerId]: String(registration.runnerId) } : {},
    },
    stringData:
      registration.kind === 'jit'
        ? { [SECRET_KEY.jitConfig]: registration.encodedJitConfig }
        : { [SECRET_KEY.registrationToken]: registration.token },
  };
}
