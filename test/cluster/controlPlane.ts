import { type ChildProcess, execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTokenFile } from './controlPlaneIdentities.ts';
import { freePort, reportLastOutput, spawnLogged, stopProcesses } from './processes.ts';

/** How tests reach the control plane; passed from globalSetup to test files. */
export interface ControlPlaneAccess {
  server: string;
  /** The runner namespace the scaler identity may use. */
  namespace: string;
  adminToken: string;
  /** An identity with only what the scaler gets on EKS: pods and Secrets in the runner namespace. */
  scalerToken: string;
  adminKubeconfig: string;
  scalerKubeconfig: string;
  /** The prerequisites function's identity, with no rights until its RBAC is applied (see writeTokenFile). */
  prerequisitesKubeconfig: string;
  /** The real node's kubelet (realNode.ts). */
  nodeKubeconfig: string;
  version: string;
}

const NAMESPACE = 'github-runners';

/** Fake nodes KWOK runs: 8 CPU and 32 GiB each; the first four are the docker pool the example config selects. */
export const FAKE_NODES = { count: 10, dockerPool: 4, cpu: '8', memory: '32Gi' } as const;

/**
 * A node label, and a pod's nodeSelector on it, whose value (a Go duration such as "20s") is how long
 * KWOK keeps a pod scheduled there Pending before it runs and is Ready: an image pull and a runner's
 * boot (kwok-stages.yaml). A pod without it in its nodeSelector runs at once, whatever its node.
 */
export const READY_AFTER_LABEL = 'test.eks-runner-autoscaler.io/ready-after';

/**
 * Builds (or reuses) the binaries and starts, on loopback: etcd; kube-apiserver with TLS and RBAC;
 * kube-scheduler; kube-controller-manager (garbage collection, service accounts, role aggregation);
 * and KWOK running fake nodes, where scheduled pods run and finish on request.
 */
export async function startControlPlane(): Promise<ControlPlaneAccess & { stop: () => Promise<void> }> {
  const bin = controlPlaneBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'control-plane-'));
  const processes: ChildProcess[] = [];
  const stop = async () => {
    await stopProcesses(processes);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const tokens = writeTokenFile(join(dir, 'tokens.csv'));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

    processes.push(
      spawnLogged(join(bin, 'etcd'), dir, 'etcd', [
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
        '--unsafe-no-fsync',
      ]),
    );
    processes.push(
      spawnLogged(join(bin, 'kube-apiserver'), dir, 'kube-apiserver', [
        `--etcd-servers=http://127.0.0.1:${etcdClient}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'certs')}`,
        // Node: the real node's kubelet is authorised as on any cluster (realNode.ts).
        '--authorization-mode=Node,RBAC',
        // Logs and exec reach the real node's kubelet on its node IP, which it reports as InternalIP.
        '--kubelet-preferred-address-types=InternalIP',
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-cluster-ip-range=10.96.0.0/24',
        // The built-in "kubernetes" Service cannot point at a loopback address, and nothing here needs it.
        '--endpoint-reconciler-type=none',
        // dind runner pods run a privileged dockerd sidecar, as on EKS.
        '--allow-privileged=true',
      ]),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const version = await waitUntilReady(server, tokens.admin, processes);
    const adminKubeconfig = writeKubeconfig(dir, 'admin', server, tokens.admin);
    processes.push(
      spawnLogged(join(bin, 'kube-controller-manager'), dir, 'kube-controller-manager', [
        `--kubeconfig=${adminKubeconfig}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${await freePort()}`,
        // Fake nodes send no heartbeats; the lifecycle controller would evict their pods.
        '--controllers=*,-node-lifecycle-controller',
        // Each controller as its own service account, as on EKS: the runner pods' admission policy
        // tells the DaemonSet controller's pods by it.
        '--use-service-account-credentials',
        `--service-account-private-key-file=${join(dir, 'sa.key')}`,
        `--root-ca-file=${join(dir, 'certs', 'apiserver.crt')}`,
      ]),
      spawnLogged(join(bin, 'kube-scheduler'), dir, 'kube-scheduler', [
        `--kubeconfig=${adminKubeconfig}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${await freePort()}`,
      ]),
      spawnLogged(join(bin, 'kwok'), dir, 'kwok', [
        `--kubeconfig=${adminKubeconfig}`,
        `--config=${join(import.meta.dirname, 'kwok-stages.yaml')}`,
        '--manage-nodes-with-label-selector=type=kwok',
        `--server-address=127.0.0.1:${await freePort()}`,
        '--node-ip=127.0.0.1',
      ]),
    );
    await prepareRunnerNamespace(server, tokens.admin);
    await createFakeNodes(server, tokens.admin);
    const access = {
      server,
      namespace: NAMESPACE,
      adminToken: tokens.admin,
      scalerToken: tokens.scaler,
      adminKubeconfig,
      scalerKubeconfig: writeKubeconfig(dir, 'scaler', server, tokens.scaler),
      prerequisitesKubeconfig: writeKubeconfig(dir, 'prerequisites', server, tokens.prerequisites),
      nodeKubeconfig: writeKubeconfig(dir, 'node', server, tokens.node),
      version,
    };
    return { ...access, stop };
  } catch (error) {
    reportLastOutput();
    await stop();
    throw error;
  }
}

/** The folder of the control plane's binaries (and KWOK's), built first if they are not cached. */
export function controlPlaneBinaries(): string {
  return execFileSync('bash', [join(import.meta.dirname, 'build-control-plane.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim();
}

async function waitUntilReady(server: string, token: string, processes: ChildProcess[]): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (processes.some((child) => child.exitCode !== null))
      throw new Error('control plane: a process exited at start');
    const ready = await adminRequest(server, token, 'GET', '/readyz').catch(() => undefined);
    if (ready?.status === 200) {
      const version = await adminRequest(server, token, 'GET', '/version');
      return (version.body as { gitVersion: string }).gitVersion;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('control plane: kube-apiserver was not ready within 60 s');
}

/**
 * The runner namespaces and the scaler's rights: the aggregated `edit` ClusterRole bound in the
 * runner namespace only, as AmazonEKSEditPolicy scoped to a namespace grants on EKS.
 */
async function prepareRunnerNamespace(server: string, token: string): Promise<void> {
  const create = (path: string, body: object) => adminRequest(server, token, 'POST', path, body);
  await create('/api/v1/namespaces', { metadata: { name: NAMESPACE } });
  await create('/api/v1/namespaces', { metadata: { name: 'elsewhere' } });
  await create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/rolebindings`, {
    metadata: { name: 'scaler-edit' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'eks-runner-autoscaler-scaler' }],
  });
  // The controller-manager fills `edit` by aggregation, and makes each namespace's default service account.
  await waitFor('the edit role and service accounts', async () => {
    const edit = await adminRequest(
      server,
      token,
      'GET',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/edit',
    );
    const account = await adminRequest(
      server,
      token,
      'GET',
      `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/default`,
    );
    return ((edit.body as { rules?: unknown[] }).rules?.length ?? 0) > 0 && account.status === 200;
  });
}

async function createFakeNodes(server: string, token: string): Promise<void> {
  await Promise.all(
    Array.from({ length: FAKE_NODES.count }, (_, index) => {
      const dockerPool = index < FAKE_NODES.dockerPool;
      return addFakeNode(server, token, {
        name: `fake-node-${index}`,
        labels: dockerPool ? { 'eks-runner-autoscaler.io/pool': 'docker' } : {},
        taints: dockerPool ? [{ key: 'github-runners', effect: 'NoSchedule' }] : [],
        cpu: FAKE_NODES.cpu,
        memory: FAKE_NODES.memory,
      });
    }),
  );
}

/**
 * Adds a node KWOK runs, and waits until pods can land on it. With no node lifecycle controller
 * (fake nodes send no heartbeats), the harness lifts the not-ready taint the API server puts on
 * every new node itself.
 */
export async function addFakeNode(
  server: string,
  token: string,
  node: { name: string; labels: Record<string, string>; taints: object[]; cpu: string; memory: string },
): Promise<void> {
  const capacity = { cpu: node.cpu, memory: node.memory, 'ephemeral-storage': '200Gi', pods: '110' };
  await adminRequest(server, token, 'POST', '/api/v1/nodes', {
    metadata: {
      name: node.name,
      labels: {
        type: 'kwok',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': node.name,
        ...node.labels,
      },
    },
    spec: { taints: node.taints },
    status: { capacity, allocatable: capacity },
  });
  await waitFor(`node ${node.name} to be Ready`, async () => {
    const { body } = await adminRequest(server, token, 'GET', `/api/v1/nodes/${node.name}`);
    const conditions = (body as { status?: { conditions?: { type: string; status: string }[] } }).status
      ?.conditions;
    return (
      conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false
    );
  });
  await adminRequest(server, token, 'PATCH', `/api/v1/nodes/${node.name}`, { spec: { taints: node.taints } });
}

export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`control plane: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A request as the cluster admin. The API server's certificate is self-signed, for loopback only. */
export async function adminRequest(
  server: string,
  token: string,
  method: string,
  path: string,
  body?: object,
) {
  const { request } = await import('node:https');
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const call = request(
      `${server}${path}`,
      {
        method,
        rejectUnauthorized: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    call.on('error', reject);
    call.end(body ? JSON.stringify(body) : undefined);
  });
}

function writeKubeconfig(dir: string, user: string, server: string, token: string): string {
  const path = join(dir, `${user}.kubeconfig`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'local', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: user, context: { cluster: 'local', user, namespace: NAMESPACE } }],
      'current-context': user,
    }),
  );
  return path;
}
