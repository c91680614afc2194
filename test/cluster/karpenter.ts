import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, KubernetesObjectApi, loadAllYaml } from '@kubernetes/client-node';
import { KubernetesApplier } from '../../lib/adapters/kubernetesApplier.ts';
import type { ApiObject } from '../../lib/cluster/clusterManifests.ts';
import { adminRequest, type ControlPlaneAccess, controlPlaneBinaries, waitFor } from './controlPlane.ts';
import { freePort, reportLastOutput, spawnLogged, stopProcesses } from './processes.ts';

/** How tests reach Karpenter; passed from globalSetup to test files. */
export interface KarpenterAccess {
  /** Karpenter's Prometheus endpoint. */
  metricsUrl: string;
  /** The KWOKNodeClass every test NodePool refers to. */
  nodeClass: string;
}

const NODE_CLASS = 'runners';
/** What Karpenter's KWOK provider puts on the nodes it launches, and the control plane's KWOK lacks. */
const KARPENTER_NODE_ANNOTATION = 'kwok.x-k8s.io/node=fake';

/**
 * Starts Karpenter with its KWOK cloud provider on the test control plane, as a plain process:
 * applies its CRDs and one KWOKNodeClass, and runs a second KWOK for the nodes Karpenter launches
 * (the control plane's KWOK manages only its own fake nodes). No NodePool exists until a test makes
 * one, so Karpenter launches nothing for other tests' pods.
 */
export async function startKarpenter(
  controlPlane: ControlPlaneAccess,
): Promise<KarpenterAccess & { stop: () => Promise<void> }> {
  const cache = execFileSync('bash', [join(import.meta.dirname, 'build-karpenter.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim();
  const dir = mkdtempSync(join(tmpdir(), 'karpenter-'));
  const processes: ChildProcess[] = [];
  const stop = async () => {
    await stopProcesses(processes);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await applyCustomResourceDefinitions(controlPlane, join(cache, 'crds'));
    processes.push(
      spawnLogged(join(controlPlaneBinaries(), 'kwok'), dir, 'kwok-for-karpenter', [
        `--kubeconfig=${controlPlane.adminKubeconfig}`,
        `--config=${join(import.meta.dirname, 'kwok-stages.yaml')}`,
        `--config=${join(import.meta.dirname, 'karpenter-node-stages.yaml')}`,
        `--manage-nodes-with-annotation-selector=${KARPENTER_NODE_ANNOTATION}`,
        // Pod IPs apart from the control plane KWOK's (10.0.0.0/24).
        '--cidr=10.1.0.0/16',
        `--server-address=127.0.0.1:${await freePort()}`,
        '--node-ip=127.0.0.1',
      ]),
    );
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    processes.push(
      spawnLogged(join(cache, 'bin', 'karpenter-kwok'), dir, 'karpenter', [], {
        KUBECONFIG: controlPlane.adminKubeconfig,
        DISABLE_LEADER_ELECTION: 'true',
        METRICS_PORT: String(metricsPort),
        HEALTH_PROBE_PORT: String(healthPort),
        // Pending pods are batched into one launch decision; the defaults (1 s idle, 10 s at most) only slow tests.
        BATCH_IDLE_DURATION: '500ms',
        BATCH_MAX_DURATION: '2s',
      }),
    );
    await applyNodeClass(controlPlane);
    await waitFor('Karpenter to be ready', async () => {
      const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
      return ready.ok && (await nodeClassIsReady(controlPlane));
    });
    return { metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, nodeClass: NODE_CLASS, stop };
  } catch (error) {
    reportLastOutput(['kwok-for-karpenter', 'karpenter']);
    await stop();
    throw error;
  }
}

async function applyCustomResourceDefinitions(controlPlane: ControlPlaneAccess, crdDir: string) {
  const definitions = readdirSync(crdDir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => loadAllYaml(readFileSync(join(crdDir, file), 'utf8')) as ApiObject[]);
  const applier = applierFor(controlPlane);
  for (const definition of definitions) await applier.apply(definition);
  for (const definition of definitions) {
    const name = definition.metadata?.name;
    await waitFor(`the ${name} CRD to be established`, async () => {
      const { body } = await adminRequest(
        controlPlane.server,
        controlPlane.adminToken,
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      );
      return hasCondition(body, 'Established');
    });
  }
}

function applyNodeClass(controlPlane: ControlPlaneAccess) {
  return applierFor(controlPlane).apply({
    apiVersion: 'karpenter.kwok.sh/v1alpha1',
    kind: 'KWOKNodeClass',
    metadata: { name: NODE_CLASS },
  });
}

async function nodeClassIsReady(controlPlane: ControlPlaneAccess): Promise<boolean> {
  const { body } = await adminRequest(
    controlPlane.server,
    controlPlane.adminToken,
    'GET',
    `/apis/karpenter.kwok.sh/v1alpha1/kwoknodeclasses/${NODE_CLASS}`,
  );
  return hasCondition(body, 'Ready');
}

function applierFor(controlPlane: ControlPlaneAccess): KubernetesApplier {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.adminKubeconfig);
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  return new KubernetesApplier(async () => api);
}

/** Whether a Kubernetes object's status has the condition, true. */
export function hasCondition(object: unknown, type: string): boolean {
  const conditions = (object as { status?: { conditions?: { type: string; status: string }[] } }).status
    ?.conditions;
  return conditions?.some((condition) => condition.type === type && condition.status === 'True') ?? false;
}
