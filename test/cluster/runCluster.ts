/**
 * `npm run cluster`: the tests' control plane and real node, started by hand. It prints the scaler's KUBECONFIG
 * (for the local mode) and the admin's, and stays up until interrupted.
 */
import { startControlPlane } from './controlPlane.ts';
import { startRealNode } from './realNode.ts';
import { REAL_NODE } from './realNodeNames.ts';

const controlPlane = await startControlPlane();
const realNode = await startRealNode(controlPlane).catch(async (error: unknown) => {
  await controlPlane.stop();
  throw error;
});
console.log(
  `Kubernetes ${controlPlane.version} at ${controlPlane.server}, runner namespace ${controlPlane.namespace}`,
);
console.log(
  `real node ${REAL_NODE.name}: pods run there with its label and taint, ${JSON.stringify(REAL_NODE)}`,
);
console.log(`KUBECONFIG=${controlPlane.scalerKubeconfig}`);
console.log(`admin: KUBECONFIG=${controlPlane.adminKubeconfig}`);
console.log('Ctrl-C stops it.');

const stop = () => {
  realNode
    .stop()
    .finally(() => controlPlane.stop())
    .then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
