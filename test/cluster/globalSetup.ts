import type { TestProject } from 'vitest/node';
import { type ControlPlaneAccess, startControlPlane } from './controlPlane.ts';
import { type KarpenterAccess, startKarpenter } from './karpenter.ts';
import { startRealNode } from './realNode.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ControlPlaneAccess;
    karpenter: KarpenterAccess;
  }
}

/**
 * Starts one real control plane, with one real node (realNode.ts) and Karpenter on it, for the whole test run and tears both down
 * at the end, even on failure. Karpenter runs throughout rather than per test file, so that this
 * process, which handles interrupts, is the one that stops it.
 */
export default async function setup(project: TestProject) {
  const controlPlane = await startControlPlane();
  const { stop: stopControlPlane, ...access } = controlPlane;
  const realNode = await startRealNode(access).catch(async (error: unknown) => {
    await stopControlPlane();
    throw error;
  });
  const karpenter = await startKarpenter(access).catch(async (error: unknown) => {
    await realNode.stop();
    await stopControlPlane();
    throw error;
  });
  const { stop: stopKarpenter, ...karpenterAccess } = karpenter;
  project.provide('controlPlane', access);
  project.provide('karpenter', karpenterAccess);
  const stop = async () => {
    await realNode.stop();
    await stopKarpenter();
    await stopControlPlane();
  };
  const stopOnSignal = () => {
    stop().finally(() => process.exit(1));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  return stop;
}
