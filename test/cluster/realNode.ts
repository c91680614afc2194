/**
 * One real node beside the KWOK nodes: Debian's containerd and runc, and a kubelet of the control
 * plane's release, on this machine. Only pods that select its label and tolerate its taint land on
 * it. It changes the host, so one run at a time holds a lock, and the host is put back at the end
 * (hostState.ts), or at the next start after a run that died.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminRequest, type ControlPlaneAccess, waitFor } from './controlPlane.ts';
import { type HostState, recordHostState, removeTree, restoreHostState } from './hostState.ts';
import { freePort, reportLastOutput, spawnLogged, stopProcesses } from './processes.ts';
import { type RealNodeLayout, writeContainerdConfig, writeKubeletConfig } from './realNodeFiles.ts';
import { REAL_NODE } from './realNodeNames.ts';

/** Fixed paths, used by one run at a time (the lock). */
const LOCK_DIR = '/run/eks-runner-autoscaler-real-node';
/** The host state recorded at start; left behind only by a run that died. */
const HOST_STATE_FILE = join(LOCK_DIR, 'host-before.json');
const NODE_DIR = '/var/lib/eks-runner-autoscaler-real-node';
/** The node's containerd, where a test imports an image only it uses (realSizeRunner.ts). */
export const NODE_CONTAINERD_SOCKET = join(NODE_DIR, 'containerd.sock');
const NODE_BRIDGE = 'era-node0';
const NODE_IP = '10.200.0.1';
const POD_BRIDGE = 'era-pods0';
/** Host paths the kubelet, containerd and the tests' pods create outside NODE_DIR. */
const HOST_PATHS = [
  '/run/containerd',
  '/var/lib/kubelet',
  '/var/log/pods',
  '/var/log/containers',
  '/var/lib/eks-runner-autoscaler',
  '/var/run/eks-runner-autoscaler-test',
  '/run/netns',
  NODE_DIR,
];

export async function startRealNode(
  controlPlane: Pick<ControlPlaneAccess, 'server' | 'adminToken'> & { nodeKubeconfig: string },
): Promise<{ stop: () => Promise<void> }> {
  const [cache = '', images = ''] = buildNode();
  assertHostCanRunNode();
  const lock = await takeLock();
  putBackAfterEarlierRun();
  const before = recordHostState(HOST_PATHS);
  writeFileSync(HOST_STATE_FILE, JSON.stringify(before));
  const processes: ChildProcess[] = [];
  const stop = async () => {
    try {
      // The host is put back even when the node did not stop cleanly: its processes are gone by then.
      await stopNode(processes).finally(() => {
        deleteBridges();
        restoreHostState(before);
        rmSync(HOST_STATE_FILE);
      });
    } finally {
      lock.kill();
    }
  };
  try {
    mkdirSync(NODE_DIR, { recursive: true });
    addNodeAddress();
    const layout: RealNodeLayout = {
      dir: NODE_DIR,
      containerdSocket: NODE_CONTAINERD_SOCKET,
      nodeName: REAL_NODE.name,
      nodeIp: NODE_IP,
      pauseImage: REAL_NODE.images.pause,
      podBridge: POD_BRIDGE,
      podSubnet: '10.200.1.0/24',
    };
    processes.push(
      spawnLogged('containerd', NODE_DIR, 'containerd', ['--config', writeContainerdConfig(layout)]),
    );
    await waitFor('containerd', async () => existsSync(layout.containerdSocket), 30_000);
    importImages(layout.containerdSocket, images);
    const kubeletConfig = writeKubeletConfig(layout, {
      kubelet: await freePort(),
      healthz: await freePort(),
    });
    const { key, effect } = REAL_NODE.taint;
    processes.push(
      spawnLogged(join(cache, 'bin', 'kubelet'), NODE_DIR, 'kubelet', [
        `--config=${kubeletConfig}`,
        `--kubeconfig=${controlPlane.nodeKubeconfig}`,
        `--root-dir=${join(NODE_DIR, 'kubelet')}`,
        `--hostname-override=${REAL_NODE.name}`,
        `--node-ip=${NODE_IP}`,
        `--node-labels=${Object.entries(REAL_NODE.labels)
          .map(([label, value]) => `${label}=${value}`)
          .join(',')}`,
        `--register-with-taints=${key}=:${effect}`,
      ]),
    );
    await waitUntilReady(controlPlane, processes);
    return { stop };
  } catch (error) {
    reportLastOutput(['containerd', 'kubelet']);
    await stop();
    throw error;
  }
}

/** Builds what the node runs, if not cached (build-node.sh); returns the cache and the images' folders. */
export function buildNode(): string[] {
  return execFileSync('bash', [join(import.meta.dirname, 'build-node.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim()
    .split('\n');
}

/** Fails with the reason when this machine cannot run a kubelet, rather than skipping its tests. */
function assertHostCanRunNode(): void {
  const reasons: string[] = [];
  if (process.getuid?.() !== 0) reasons.push('the kubelet and containerd need root');
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay'))
    reasons.push('the kernel has no overlay file system (containerd snapshots)');
  const cgroups = readFileSync('/proc/self/cgroup', 'utf8');
  for (const controller of ['cpu', 'memory', 'pids'])
    if (!new RegExp(`[:,]${controller}[,:]`).test(cgroups))
      reasons.push(`no ${controller} cgroup controller`);
  if (reasons.length > 0) throw new Error(`real node: this machine cannot run it: ${reasons.join('; ')}`);
}

/** A flock held by a child process: the kernel frees it when this process dies, however it dies. */
async function takeLock(): Promise<ChildProcess> {
  mkdirSync(LOCK_DIR, { recursive: true });
  const holder = spawn(
    'flock',
    ['--wait', '1200', join(LOCK_DIR, 'lock'), 'sh', '-c', 'echo locked; exec cat'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    const waiting = setTimeout(
      () => process.stderr.write('real node: waiting for another test run to release the real node\n'),
      2000,
    );
    holder.stdout?.once('data', () => {
      clearTimeout(waiting);
      resolve();
    });
    holder.once('exit', (code) => {
      clearTimeout(waiting);
      reject(new Error(`real node: could not take ${LOCK_DIR}/lock (flock exited ${code})`));
    });
  });
  return holder;
}

/**
 * A run that died left its node running or its changes in place: stop what it started (the
 * processes using its containerd socket), and put back the host state it recorded.
 */
function putBackAfterEarlierRun(): void {
  if (!existsSync(HOST_STATE_FILE)) return;
  process.stderr.write('real node: an earlier run did not finish; putting the host back first\n');
  for (const pid of processesUsing(NODE_DIR)) process.kill(pid, 'SIGKILL');
  deleteBridges();
  restoreHostState(JSON.parse(readFileSync(HOST_STATE_FILE, 'utf8')) as HostState);
  rmSync(HOST_STATE_FILE);
}

/** The pids whose command line names `path`: our containerd, kubelet, and containerd's shims. */
function processesUsing(path: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The node's address: not loopback (the API server reaches the kubelet on it), on a bridge. */
function addNodeAddress(): void {
  execFileSync('ip', ['link', 'add', NODE_BRIDGE, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `${NODE_IP}/32`, 'dev', NODE_BRIDGE]);
  execFileSync('ip', ['link', 'set', NODE_BRIDGE, 'up']);
}

/** The node's bridge and the one CNI made for the pods, where they exist. */
function deleteBridges(): void {
  for (const bridge of [NODE_BRIDGE, POD_BRIDGE])
    if (existsSync(`/sys/class/net/${bridge}`)) execFileSync('ip', ['link', 'delete', bridge]);
}

export function importImages(socket: string, dir: string): void {
  for (const archive of readdirSync(dir).filter((name) => name.endsWith('.tar')))
    execFileSync(
      'ctr',
      ['--address', socket, '--namespace', 'k8s.io', 'images', 'import', join(dir, archive)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
}

/** Waits for Ready, then lifts the not-ready taint (no node lifecycle controller runs), as for KWOK nodes. */
async function waitUntilReady(
  controlPlane: Pick<ControlPlaneAccess, 'server' | 'adminToken'>,
  processes: ChildProcess[],
): Promise<void> {
  const { server, adminToken } = controlPlane;
  await waitFor(
    `node ${REAL_NODE.name} to be Ready`,
    async () => {
      if (processes.some((child) => child.exitCode !== null)) throw new Error('a node process exited');
      const { body } = await adminRequest(server, adminToken, 'GET', `/api/v1/nodes/${REAL_NODE.name}`);
      const conditions = (body as { status?: { conditions?: { type: string; status: string }[] } }).status
        ?.conditions;
      return conditions?.some(({ type, status }) => type === 'Ready' && status === 'True') ?? false;
    },
    60_000,
  );
  await adminRequest(server, adminToken, 'PATCH', `/api/v1/nodes/${REAL_NODE.name}`, {
    spec: { taints: [REAL_NODE.taint] },
  });
}

/**
 * Stops the kubelet, kills every container (the pods' own processes go with their sandboxes), then
 * containerd and any shim left, and removes the node's files.
 */
async function stopNode(processes: ChildProcess[]): Promise<void> {
  const [containerd, kubelet] = processes;
  if (kubelet) await stopProcesses([kubelet]);
  if (containerd && containerd.exitCode === null) {
    const ctr = ['--address', join(NODE_DIR, 'containerd.sock'), '--namespace', 'k8s.io'];
    const tasks = () =>
      execFileSync('ctr', [...ctr, 'tasks', 'ls', '-q'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
    for (const task of tasks())
      execFileSync('ctr', [...ctr, 'tasks', 'kill', '-a', '-s', 'SIGKILL', task], { stdio: 'ignore' });
    // containerd's CRI plugin deletes a task once it has exited; a task it has not is deleted here.
    await waitFor(
      'the containers to stop',
      async () => {
        for (const task of tasks())
          execFileSync('ctr', [...ctr, 'tasks', 'delete', task], { stdio: 'ignore' });
        return true;
      },
      30_000,
    ).catch(() => undefined);
    await stopProcesses([containerd]);
  }
  for (const pid of processesUsing(NODE_DIR)) process.kill(pid, 'SIGKILL');
  removeTree(NODE_DIR);
}
