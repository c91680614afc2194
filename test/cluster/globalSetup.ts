import type { TestProject } from 'vitest/node';
import { type ControlPlaneAccess, startControlPlane } from './controlPlane.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    controlPlane: ControlPlaneAccess;
  }
}

/** Starts one real control plane for the whole test run and tears it down at the end, even on failure. */
export default async function setup(project: TestProject) {
  const controlPlane = await startControlPlane();
  const { stop, ...access } = controlPlane;
  project.provide('controlPlane', access);
  const stopOnSignal = () => {
    stop().finally(() => process.exit(1));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  return stop;
}
