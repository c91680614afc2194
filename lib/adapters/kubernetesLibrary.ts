/**
 * The parts of @kubernetes/client-node the functions use, each from its own module: the package's
 * index loads the whole library (exec, attach, port-forward, cp, watch, YAML…), and importing it
 * lazily from the index makes esbuild emit a getter for every one of its thousands of exports.
 * Its KubeConfig is one that keeps its connections (keepAliveKubeConfig.ts).
 */

export { ObjectCoreV1Api as CoreV1Api } from '@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js';
export { KubernetesObjectApi } from '@kubernetes/client-node/dist/object.js';
export { KeepAliveKubeConfig as KubeConfig } from './keepAliveKubeConfig.ts';
