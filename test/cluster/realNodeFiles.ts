/** The configuration files of the real node's containerd, CNI and kubelet (see realNode.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RealNodeLayout {
  /** Holds every file the node's processes write, but the ones they put in fixed host paths. */
  dir: string;
  containerdSocket: string;
  nodeName: string;
  nodeIp: string;
  pauseImage: string;
  podBridge: string;
  podSubnet: string;
}

/**
 * containerd 1.6 with its CRI plugin. This VM lacks CAP_SYS_RESOURCE: without restrict_oom_score_adj
 * every sandbox fails with "can't get final child's PID from pipe: EOF".
 */
export function writeContainerdConfig(layout: RealNodeLayout): string {
  const path = join(layout.dir, 'containerd.toml');
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  writeFileSync(
    path,
    `version = 2
root = "${join(layout.dir, 'containerd', 'root')}"
state = "${join(layout.dir, 'containerd', 'state')}"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "${layout.containerdSocket}"
[${cri}]
  sandbox_image = "${layout.pauseImage}"
  restrict_oom_score_adj = true
  enable_selinux = false
[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"
[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false
[${cri}.cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "${join(layout.dir, 'cni')}"
`,
  );
  writeCniConfig(layout);
  return path;
}

/** Pods get addresses on a bridge of their own, with no NAT: they need to reach the node only. */
function writeCniConfig(layout: RealNodeLayout): void {
  mkdirSync(join(layout.dir, 'cni'), { recursive: true });
  writeFileSync(
    join(layout.dir, 'cni', '10-pods.conflist'),
    JSON.stringify({
      cniVersion: '1.0.0',
      name: 'real-node-pods',
      plugins: [
        {
          type: 'bridge',
          bridge: layout.podBridge,
          isGateway: true,
          ipMasq: false,
          ipam: {
            type: 'host-local',
            dataDir: join(layout.dir, 'cni-ipam'),
            ranges: [[{ subnet: layout.podSubnet }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'loopback' },
      ],
    }),
  );
}

/**
 * The kubelet's configuration for this VM: cgroup v1 and no systemd (cgroupfs, failCgroupV1 off),
 * swap allowed, no image garbage collection (the images are made locally and cannot be pulled
 * again), and anonymous access to its API from the API server, on the node's own address only.
 */
export function writeKubeletConfig(
  layout: RealNodeLayout,
  ports: { kubelet: number; healthz: number },
): string {
  const path = join(layout.dir, 'kubelet.yaml');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      address: layout.nodeIp,
      port: ports.kubelet,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: ports.healthz,
      authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
      authorization: { mode: 'AlwaysAllow' },
      cgroupDriver: 'cgroupfs',
      failSwapOn: false,
      failCgroupV1: false,
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
      podLogsDir: join(layout.dir, 'pod-logs'),
      containerRuntimeEndpoint: `unix://${layout.containerdSocket}`,
      serializeImagePulls: false,
      nodeStatusUpdateFrequency: '2s',
      syncFrequency: '5s',
      fileCheckFrequency: '5s',
      maxPods: 30,
    }),
  );
  return path;
}
