import type { CoreV1Event, V1Node } from '@kubernetes/client-node';
import { inject, type TestContext } from 'vitest';
import type { RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import { LABEL } from '../../lib/pod/labels.ts';
import { testConfig } from '../helpers/factories.ts';
import { coreApi } from './clusterClients.ts';
import { adminRequest, waitFor } from './controlPlane.ts';
import { hasCondition } from './karpenter.ts';

/** The label and taint key by which a test's runners, and only they, land on its NodePool's nodes. */
const POOL_KEY = 'eks-runner-autoscaler.io/karpenter-pool';
const NODE_POOL_LABEL = 'karpenter.sh/nodepool';
const DISRUPTED_TAINT = 'karpenter.sh/disrupted';
const NODE_POOLS = '/apis/karpenter.sh/v1/nodepools';

export interface TestNodePool {
  name: string;
  /** The runner class whose pods go to this pool's nodes: the example `linux-small`, named after the pool. */
  runnerClass: RunnerClass;
}

export interface NodePoolOptions {
  /** Instance sizes the pool may launch (`karpenter.kwok.sh/instance-cpu`); any, unless told. */
  instanceCpu?: string[];
  /** @default 'Never' */
  expireAfter?: string;
  terminationGracePeriod?: string;
}

/**
 * A NodePool of the test's own, tainted so that only its runner class lands there, which Karpenter
 * consolidates as soon as a node is empty or underused. When the test finishes (the test's own
 * onTestFinished, as tests run concurrently), its runners, the NodePool and its nodes are removed.
 */
export async function createNodePool(
  onTestFinished: TestContext['onTestFinished'],
  name: string,
  options: NodePoolOptions = {},
): Promise<TestNodePool> {
  const pool = {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name },
    spec: {
      template: {
        metadata: { labels: { [POOL_KEY]: name } },
        spec: {
          nodeClassRef: {
            group: 'karpenter.kwok.sh',
            kind: 'KWOKNodeClass',
            name: inject('karpenter').nodeClass,
          },
          taints: [{ key: POOL_KEY, value: name, effect: 'NoSchedule' }],
          requirements: [
            { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
            { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            ...(options.instanceCpu
              ? [{ key: 'karpenter.kwok.sh/instance-cpu', operator: 'In', values: options.instanceCpu }]
              : []),
          ],
          expireAfter: options.expireAfter ?? 'Never',
          ...(options.terminationGracePeriod && { terminationGracePeriod: options.terminationGracePeriod }),
        },
      },
      disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '0s' },
    },
  };
  await expectStatus(admin('POST', NODE_POOLS, pool), 201, `create NodePool ${name}`);
  onTestFinished(() => removeNodePool(name), 60_000);
  await waitFor(`NodePool ${name} to be ready`, async () =>
    hasCondition((await admin('GET', `${NODE_POOLS}/${name}`)).body, 'Ready'),
  );
  const template = testConfig().runnerClasses.find(({ containerMode }) => containerMode === 'none');
  if (!template) throw new Error('the example config has no containerMode none class');
  return {
    name,
    runnerClass: {
      ...template,
      name,
      nodeSelector: { [POOL_KEY]: name },
      tolerations: [{ key: POOL_KEY, operator: 'Equal', value: name, effect: 'NoSchedule' }],
    },
  };
}

/** Changes the pool's node template, so that every node it launched before has drifted. */
export async function changeNodeTemplate(pool: TestNodePool, labels: Record<string, string>): Promise<void> {
  const patch = { spec: { template: { metadata: { labels } } } };
  await expectStatus(admin('PATCH', `${NODE_POOLS}/${pool.name}`, patch), 200, `patch NodePool ${pool.name}`);
}

type NodeState = 'running' | 'disrupting' | 'deleting';

/**
 * The nodes of the pool, by name, and whether Karpenter has chosen to disrupt one (it taints the node
 * as it decides) or is deleting it.
 */
export async function nodesOf(pool: TestNodePool): Promise<Record<string, NodeState>> {
  const { items } = await coreApi('admin').listNode({ labelSelector: `${NODE_POOL_LABEL}=${pool.name}` });
  const stateOf = (node: V1Node): NodeState => {
    if (node.metadata?.deletionTimestamp) return 'deleting';
    return node.spec?.taints?.some(({ key }) => key === DISRUPTED_TAINT) ? 'disrupting' : 'running';
  };
  return Object.fromEntries(items.map((node) => [nameOf(node), stateOf(node)]));
}

/** Whether Karpenter has found the NodeClaim of this node of the pool drifted from the pool. */
export async function hasDrifted(pool: TestNodePool, nodeName: string): Promise<boolean> {
  const { body } = await admin(
    'GET',
    `/apis/karpenter.sh/v1/nodeclaims?labelSelector=${NODE_POOL_LABEL}%3D${pool.name}`,
  );
  const nodeClaims = (body as { items?: { status?: { nodeName?: string } }[] }).items ?? [];
  return nodeClaims.some(
    (nodeClaim) => nodeClaim.status?.nodeName === nodeName && hasCondition(nodeClaim, 'Drifted'),
  );
}

/** The events recorded about one object, by kind and name, oldest first. */
export async function eventsAbout(kind: string, name: string): Promise<CoreV1Event[]> {
  const { items } = await coreApi('admin').listEventForAllNamespaces({
    fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
  });
  return items;
}

/**
 * How many of Karpenter's disruption passes have ended having found nothing to disrupt. Each pass
 * tries emptiness, drift and consolidation in turn and stops at the first that acts, so only a
 * pass that acted on nothing gets as far as single-node consolidation.
 */
export async function idleDisruptionPasses(): Promise<number> {
  const metrics = await (await fetch(inject('karpenter').metricsUrl)).text();
  const sample = metrics.match(
    /^karpenter_voluntary_disruption_decision_evaluation_duration_seconds_count\{consolidation_type="single",reason="underutilized"\} (\d+)$/m,
  );
  return Number(sample?.[1] ?? 0);
}

/** Waits until Karpenter has looked at every node `count` more times, and found nothing to disrupt. */
export async function waitForIdleDisruptionPasses(count: number, timeoutMs: number): Promise<void> {
  const target = (await idleDisruptionPasses()) + count;
  await waitFor(
    `${count} disruption passes of Karpenter`,
    async () => (await idleDisruptionPasses()) >= target,
    timeoutMs,
  );
}

async function removeNodePool(name: string): Promise<void> {
  // Runners first: Karpenter does not drain a node of a protected pod, so the pool's nodes would stay.
  await coreApi('admin').deleteCollectionNamespacedPod({
    namespace: inject('controlPlane').namespace,
    labelSelector: `${LABEL.runnerClass}=${name}`,
    gracePeriodSeconds: 0,
  });
  await admin('DELETE', `${NODE_POOLS}/${name}`);
  // The garbage collector would delete the NodeClaims the NodePool owns, but only once its periodic
  // discovery has found Karpenter's CRDs, up to 30 s after they were applied.
  await admin('DELETE', `/apis/karpenter.sh/v1/nodeclaims?labelSelector=${NODE_POOL_LABEL}%3D${name}`);
  await waitFor(`the nodes of NodePool ${name} to be removed`, async () => {
    const { items } = await coreApi('admin').listNode({ labelSelector: `${NODE_POOL_LABEL}=${name}` });
    return items.length === 0;
  });
}

function admin(method: string, path: string, body?: object) {
  const { server, adminToken } = inject('controlPlane');
  return adminRequest(server, adminToken, method, path, body);
}

async function expectStatus(response: ReturnType<typeof admin>, status: number, what: string): Promise<void> {
  const { status: actual, body } = await response;
  if (actual !== status) throw new Error(`${what}: ${actual} ${JSON.stringify(body)}`);
}

const nameOf = (object: { metadata?: { name?: string } }) => object.metadata?.name ?? '';
