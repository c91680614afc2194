/** The real node's name, label, taint and images (realNode.ts), for the harness and the tests. */
const IMAGES = 'localhost/eks-runner-autoscaler';
/** What tests put in their pods to run on the real node; nothing else lands there. */
export const REAL_NODE = {
  name: 'real-node-0',
  labels: { 'eks-runner-autoscaler.io/real-node': 'true' },
  taint: { key: 'eks-runner-autoscaler.io/real-node', effect: 'NoSchedule' },
  images: {
    runner: `${IMAGES}/runner:stand-in`,
    busybox: `${IMAGES}/busybox:1.35`,
    dockerd: `${IMAGES}/dockerd:20.10`,
    pause: `${IMAGES}/pause:3.10`,
  },
} as const;
