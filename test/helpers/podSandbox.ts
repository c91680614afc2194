import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1EnvVar, V1Pod, V1Secret } from '@kubernetes/client-node';

/**
 * A pod's containers run one after another as plain processes, with the file layout the pod spec gives
 * them: each volume is a folder (a Secret volume holds the Secret's keys), and every path a container
 * mounts, or a path of the image, is rewritten to its folder in the container's command, environment
 * and working directory. The processes run as the test's user, with the host's PATH.
 */
export class PodSandbox {
  readonly root = mkdtempSync(join(tmpdir(), 'pod-sandbox-'));
  private readonly pod: V1Pod;
  private readonly secret: V1Secret;
  private readonly imagePaths: string[];

  /** `imagePaths` are paths of the image, e.g. the runner's home, whose files go under imagePath(). */
  constructor(pod: V1Pod, secret: V1Secret, imagePaths: string[]) {
    this.pod = pod;
    this.secret = secret;
    this.imagePaths = imagePaths;
    for (const volume of pod.spec?.volumes ?? []) {
      const folder = this.volumePath(volume.name);
      if (volume.hostPath?.type === 'Socket') {
        writeFileSync(folder, '');
        continue;
      }
      mkdirSync(folder, { recursive: true });
      if (!volume.secret) continue;
      for (const item of volume.secret.items ?? []) {
        const file = join(folder, item.path);
        writeFileSync(file, this.secretValue(volume.secret.secretName, item.key));
        chmodSync(file, volume.secret.defaultMode ?? 0o644);
      }
    }
  }

  imagePath(path: string): string {
    return join(this.root, 'image', path);
  }

  /** The folders a container sees through its mounts, as this sandbox lays them out. */
  mountedPaths(containerName: string): string[] {
    return (this.container(containerName).volumeMounts ?? []).map((mount) => this.volumePath(mount.name));
  }

  /** Runs a container's command to its end; `env` overrides the pod's environment. */
  run(containerName: string, env: Record<string, string> = {}): { status: number | null; output: string } {
    const container = this.container(containerName);
    const rebase = this.rebaser(container);
    const [file, ...args] = (container.command ?? []).map(rebase);
    const result = spawnSync(file ?? '', args, {
      cwd: container.workingDir ? rebase(container.workingDir) : this.imagePath('/'),
      env: { PATH: process.env.PATH, ...this.environment(container.env ?? [], rebase), ...env },
      encoding: 'utf8',
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  hasContainer(name: string): boolean {
    const spec = this.pod.spec;
    return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].some(
      (container) => container.name === name,
    );
  }

  private container(name: string): V1Container {
    const spec = this.pod.spec;
    const found = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].find(
      (container) => container.name === name,
    );
    if (!found) throw new Error(`test: the pod has no container ${name}`);
    return found;
  }

  private volumePath(volumeName: string): string {
    return join(this.root, 'volumes', volumeName);
  }

  private rebaser(container: V1Container): (text: string) => string {
    const targets = new Map<string, string>([
      ...this.imagePaths.map((path) => [path, this.imagePath(path)] as const),
      ...(container.volumeMounts ?? []).map(
        (mount) => [mount.mountPath, this.volumePath(mount.name)] as const,
      ),
    ]);
    const paths = [...targets.keys()].sort((a, b) => b.length - a.length);
    const pattern = new RegExp(
      paths.map((path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
      'g',
    );
    return (text) => text.replace(pattern, (path) => targets.get(path) ?? path);
  }

  private environment(variables: V1EnvVar[], rebase: (text: string) => string): Record<string, string> {
    return Object.fromEntries(
      variables.map((variable) => {
        const ref = variable.valueFrom?.secretKeyRef;
        return [variable.name, ref ? this.secretValue(ref.name, ref.key) : rebase(variable.value ?? '')];
      }),
    );
  }

  private secretValue(secretName: string | undefined, key: string): string {
    const value = secretName === this.secret.metadata?.name ? this.secret.stringData?.[key] : undefined;
    if (value === undefined) throw new Error(`test: no key ${key} in the Secret ${secretName}`);
    return value;
  }
}
