/**
 * The runner image with a real actions-runner's size (build-real-size-runner-image.sh), made and
 * imported into the real node's containerd on first use only: at about 650 MB it would slow every
 * start of the node, and only the tests of the copy into the runner root need it.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildNode, importImages, NODE_CONTAINERD_SOCKET } from './realNode.ts';

export const REAL_SIZE_RUNNER_IMAGE = 'localhost/eks-runner-autoscaler/runner:real-size';

let imported = false;

/** Makes the image if it is not cached, and imports it into the running real node; returns its name. */
export function realSizeRunnerImage(): string {
  if (imported) return REAL_SIZE_RUNNER_IMAGE;
  const [cache = '', nodeImages = ''] = buildNode();
  const images = join(cache, 'images-real-size');
  execFileSync('bash', [join(import.meta.dirname, 'build-real-size-runner-image.sh'), nodeImages, images], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  importImages(NODE_CONTAINERD_SOCKET, images);
  imported = true;
  return REAL_SIZE_RUNNER_IMAGE;
}
