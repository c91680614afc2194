/**
 * `npm run cluster`: the tests' control plane, started by hand. It prints the scaler's KUBECONFIG
 * (for the local mode) and the admin's, and stays up until interrupted.
 */
import { startControlPlane } from './controlPlane.ts';

const controlPlane = await startControlPlane();
console.log(
  `Kubernetes ${controlPlane.version} at ${controlPlane.server}, runner namespace ${controlPlane.namespace}`,
);
console.log(`KUBECONFIG=${controlPlane.scalerKubeconfig}`);
console.log(`admin: KUBECONFIG=${controlPlane.adminKubeconfig}`);
console.log('Ctrl-C stops it.');

const stop = () => {
  controlPlane.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
