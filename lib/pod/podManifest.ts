/**
 * The Kubernetes objects the core builds and reads, in lib's own types: exactly the fields it uses,
 * named and shaped as the Kubernetes API has them. lib/ does not import @kubernetes/client-node (its
 * ports would carry a client library's model); the Kubernetes adapters hand these to the client as
 * its own types, so the compiler checks every field against client-node's model there
 * (test/adapters/manifestTypes.test.ts checks the rest).
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[];
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface Volume {
  name: string;
  hostPath?: { path: string; type: 'Directory' | 'DirectoryOrCreate' | 'Socket' };
  emptyDir?: { medium?: 'Memory'; sizeLimit?: string };
  secret?: { secretName: string; items: { key: string; path: string }[]; defaultMode: number };
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface Container {
  name: string;
  image: string;
  /** `Always` makes an init container a native sidecar. */
  restartPolicy?: 'Always';
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  securityContext?: { privileged?: boolean; runAsUser?: number; runAsNonRoot?: boolean };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: { exec: { command: string[] }; periodSeconds: number; failureThreshold: number };
  lifecycle?: { preStop: { exec: { command: string[] } } };
  volumeMounts?: VolumeMount[];
}

export interface PodSpec {
  restartPolicy?: 'Never';
  activeDeadlineSeconds?: number;
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  schedulingGates?: { name: string }[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  priorityClassName?: string;
  /** The groups every container's processes join, such as the Docker socket's for `dood`. */
  securityContext?: { supplementalGroups?: number[] };
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}

export interface PodManifest {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
}

export interface SecretManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  type: 'Opaque';
  metadata: ObjectMeta;
  stringData: Record<string, string>;
}

/** What the readings of a pod (podProblem) look at beside its status: whether it ends, and its sidecars. */
export interface PodView {
  metadata?: { deletionTimestamp?: unknown };
  spec?: { initContainers?: { name: string; restartPolicy?: string }[] };
  status?: PodStatusView | undefined;
}

/** What the readings of a pod (podProblem, infrastructureKill) look at in its status. */
export interface PodStatusView {
  phase?: string;
  reason?: string;
  conditions?: { type: string; status: string; reason?: string }[];
  initContainerStatuses?: ContainerStatusView[];
  containerStatuses?: ContainerStatusView[];
}

export interface ContainerStatusView {
  name: string;
  restartCount?: number;
  state?: ContainerStateView;
  lastState?: ContainerStateView;
}

interface ContainerStateView {
  waiting?: { reason?: string };
  terminated?: { reason?: string };
}
