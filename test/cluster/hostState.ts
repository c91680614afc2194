/**
 * What the real node's kubelet, containerd and pods change on this machine, recorded before they
 * start and put back after they stop: the sysctls the kubelet sets, the iptables chains it makes,
 * the cgroups it and the pods' daemons make, the folders and network namespaces they leave.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Set by the kubelet at start (pkg/kubelet/cm/container_manager_linux.go, setupKernelTunables). */
const KUBELET_SYSCTLS = [
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
];
const CGROUP_ROOT = '/sys/fs/cgroup';
const NETNS_DIR = '/run/netns';

export interface HostState {
  sysctls: Record<string, string>;
  iptables: Record<'iptables' | 'ip6tables', string>;
  /** Per cgroup hierarchy, the folders at its top. */
  cgroups: Record<string, string[]>;
  netns: string[];
  /** Of the paths given to recordHostState, those that did not exist. */
  absentPaths: string[];
}

export function recordHostState(paths: readonly string[]): HostState {
  return {
    sysctls: Object.fromEntries(KUBELET_SYSCTLS.map((name) => [name, sysctl(name)])),
    iptables: { iptables: run('iptables-save'), ip6tables: run('ip6tables-save') },
    cgroups: Object.fromEntries(cgroupHierarchies().map((dir) => [dir, subfolders(join(CGROUP_ROOT, dir))])),
    netns: existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR) : [],
    absentPaths: paths.filter((path) => !existsSync(path)),
  };
}

/**
 * Puts back what recordHostState saw, once every process of the node has stopped. Each step runs
 * even if one before it failed; the failures are thrown together at the end.
 */
export function restoreHostState(before: HostState): void {
  const failures: string[] = [];
  const step = (what: string, action: () => void) => {
    try {
      action();
    } catch (error) {
      failures.push(`${what}: ${(error as Error).message}`);
    }
  };
  for (const [name, value] of Object.entries(before.sysctls))
    step(`sysctl ${name}`, () => {
      if (sysctl(name) !== value) run('sysctl', '-q', '-w', `${name}=${value}`);
    });
  for (const [command, saved] of Object.entries(before.iptables))
    step(command, () => restoreIptables(command as 'iptables' | 'ip6tables', saved));
  const netnsBefore = new Set(before.netns);
  for (const name of existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR) : [])
    if (!netnsBefore.has(name))
      step(`network namespace ${name}`, () => {
        execFileSync('umount', [join(NETNS_DIR, name)], { stdio: 'ignore' });
        rmSync(join(NETNS_DIR, name), { force: true });
      });
  for (const [hierarchy, folders] of Object.entries(before.cgroups)) {
    const kept = new Set(folders);
    for (const folder of subfolders(join(CGROUP_ROOT, hierarchy)))
      if (!kept.has(folder))
        step(`cgroup ${hierarchy}/${folder}`, () => removeCgroup(join(CGROUP_ROOT, hierarchy, folder)));
  }
  for (const path of before.absentPaths) step(`remove ${path}`, () => removeTree(path));
  if (failures.length > 0)
    throw new Error(`real node: could not put the host back:\n  ${failures.join('\n  ')}`);
}

/** Unmounts whatever is mounted under `path`, deepest first, then removes it. */
export function removeTree(path: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((mountPoint): mountPoint is string => mountPoint?.startsWith(`${path}/`) || mountPoint === path)
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
  rmSync(path, { recursive: true, force: true });
}

/**
 * Restores the tables there were, and deletes the ones the node made (iptables-nft leaves a table it
 * made, emptied, in place; nft deletes it).
 */
function restoreIptables(command: 'iptables' | 'ip6tables', saved: string): void {
  const tablesBefore = new Set([...saved.matchAll(/^\*(\w+)$/gm)].map((match) => match[1]));
  for (const [, table] of run(`${command}-save`).matchAll(/^\*(\w+)$/gm))
    if (table && !tablesBefore.has(table))
      run('nft', 'delete', 'table', command === 'iptables' ? 'ip' : 'ip6', table);
  execFileSync(`${command}-restore`, [], { input: saved });
}

/**
 * A cgroup folder goes with rmdir once its processes are gone; its children first. Processes still
 * in a cgroup the node made are the node's containers, left by a run that died: they are killed.
 */
function removeCgroup(dir: string): void {
  for (const child of subfolders(dir)) removeCgroup(join(dir, child));
  for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {}
  for (let attempt = 0; ; attempt += 1) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      if (attempt >= 20) throw error;
      execFileSync('sleep', ['0.1']);
    }
  }
}

function cgroupHierarchies(): string[] {
  return readdirSync(CGROUP_ROOT).filter((name) => statSync(join(CGROUP_ROOT, name)).isDirectory());
}

function subfolders(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}

function sysctl(name: string): string {
  return run('sysctl', '-n', name).trim();
}

function run(command: string, ...args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
