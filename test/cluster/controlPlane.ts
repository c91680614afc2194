import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  version: string;
}

const NAMESPACE = 'github-runners';
let stopping = false;

/** Builds (or reuses) the binaries and starts etcd and kube-apiserver, with RBAC, on loopback. */
export async function startControlPlane(): Promise<ControlPlaneAccess & { stop: () => Promise<void> }> {
  const bin = execFileSync('bash', [join(import.meta.dirname, 'build-control-plane.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim();
  const dir = mkdtempSync(join(tmpdir(), 'control-plane-'));
  const processes: ChildProcess[] = [];
  const stop = async () => {
    stopping = true;
    for (const child of processes.reverse()) {
      child.kill('SIGTERM');
      await new Promise((resolve) =>
        child.exitCode === null ? child.once('exit', resolve) : resolve(undefined),
      );
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const tokens = { admin: `admin-${crypto.randomUUID()}`, scaler: `scaler-${crypto.randomUUID()}` };
    writeFileSync(
      join(dir, 'tokens.csv'),
      `${tokens.admin},admin,admin,"system:masters"\n${tokens.scaler},eks-runner-autoscaler-scaler,scaler,\n`,
    );
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
        '--authorization-mode=RBAC',
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
    await prepareRunnerNamespace(server, tokens.admin);
    const access = {
      server,
      namespace: NAMESPACE,
      adminToken: tokens.admin,
      scalerToken: tokens.scaler,
      adminKubeconfig: writeKubeconfig(dir, 'admin', server, tokens.admin),
      scalerKubeconfig: writeKubeconfig(dir, 'scaler', server, tokens.scaler),
      version,
    };
    return { ...access, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function spawnLogged(command: string, dir: string, name: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`control plane: ${name} exited (${code ?? signal}):\n${tail}\n`);
  });
  writeFileSync(join(dir, `${name}.cmd`), [command, ...args].join(' '));
  return child;
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
 * The runner namespace, its default service account (no controller-manager runs here to make it),
 * and the scaler's rights: what AmazonEKSEditPolicy gives on pods and Secrets, in this namespace only.
 */
async function prepareRunnerNamespace(server: string, token: string): Promise<void> {
  const create = (path: string, body: object) => adminRequest(server, token, 'POST', path, body);
  await create('/api/v1/namespaces', { metadata: { name: NAMESPACE } });
  await create('/api/v1/namespaces', { metadata: { name: 'elsewhere' } });
  for (const namespace of [NAMESPACE, 'elsewhere']) {
    await create(`/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name: 'default' } });
  }
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}`;
  await create(`${rbac}/roles`, {
    metadata: { name: 'runner-manager' },
    rules: [
      {
        apiGroups: [''],
        resources: ['pods', 'secrets'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'],
      },
    ],
  });
  await create(`${rbac}/rolebindings`, {
    metadata: { name: 'scaler-runner-manager' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'runner-manager' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'eks-runner-autoscaler-scaler' }],
  });
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
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
