import { Agent, request } from 'node:https';
import type { AutoscalerConfig, RunnerClass } from '../lib/config/autoscalerConfig.ts';
import { buildRunnerPod } from '../lib/pod/buildRunnerPod.ts';
import { buildRunnerSecret } from '../lib/pod/buildRunnerSecret.ts';
import { ANNOTATION } from '../lib/pod/labels.ts';
import { forEachConcurrently } from '../lib/util/forEachConcurrently.ts';
import type { ControlPlaneAccess } from '../test/cluster/controlPlane.ts';
import { jobMessage } from '../test/helpers/factories.ts';
import { apiServerCounters, cpuMsPerRunner } from './burst.ts';

type CpuMsPerRunner = ReturnType<typeof cpuMsPerRunner>;

/** Runners in flight at once for the bare client; the ceiling is the best of these. */
export const CEILING_IN_FLIGHT = [10, 30, 100] as const;

/**
 * What the API server takes of the scaler's write shape, with no scaler in the way: for each runner
 * the three writes the scaler makes (create the gated pod, create its Secret owned by that pod, lift
 * the gate with the runner ID annotation in one merge patch naming the pod's UID), as the scaler's
 * identity, over kept-alive connections, `inFlight` runners at a time.
 */
export async function measureCeiling(
  controlPlane: ControlPlaneAccess,
  config: AutoscalerConfig,
  runnerClass: RunnerClass,
  options: { runners: number; inFlight: number },
): Promise<{ inFlight: number; runnersPerSecond: number; cpuMsPerRunner: CpuMsPerRunner }> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.inFlight, rejectUnauthorized: false });
  const call = bareClient(controlPlane, agent);
  const namespace = controlPlane.namespace;
  const podsPath = `/api/v1/namespaces/${namespace}/pods`;
  const firstJobId = 2_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const runners = Array.from({ length: options.runners }, (_, index) =>
    buildRunnerPod(
      jobMessage({
        jobId: firstJobId + index,
        runnerClass: runnerClass.name,
        createdAt: new Date().toISOString(),
      }),
      runnerClass,
      { namespace, registrationMode: config.github.registrationMode, registrationUrl: '' },
    ),
  );
  const countersBefore = await apiServerCounters(controlPlane);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await forEachConcurrently(runners, options.inFlight, async (pod) => {
    const created = (await call('POST', podsPath, pod)) as { metadata: { name: string; uid: string } };
    const { name, uid } = created.metadata;
    const registration = { kind: 'jit' as const, runnerId: 1, encodedJitConfig: 'e30=' };
    await call(
      'POST',
      `/api/v1/namespaces/${namespace}/secrets`,
      buildRunnerSecret({ name, uid, namespace, runnerClassName: runnerClass.name }, registration),
    );
    await call('PATCH', `${podsPath}/${name}`, {
      metadata: { uid, annotations: { [ANNOTATION.runnerId]: '1' } },
      spec: { schedulingGates: [] },
    });
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const countersAfter = await apiServerCounters(controlPlane);
  agent.destroy();
  return {
    inFlight: options.inFlight,
    runnersPerSecond: options.runners / seconds,
    cpuMsPerRunner: cpuMsPerRunner(cpu, countersBefore, countersAfter, options.runners),
  };
}

function bareClient(controlPlane: ControlPlaneAccess, agent: Agent) {
  return (method: string, path: string, body: object) =>
    new Promise<unknown>((resolve, reject) => {
      const call = request(
        `${controlPlane.server}${path}`,
        {
          method,
          agent,
          headers: {
            authorization: `Bearer ${controlPlane.scalerToken}`,
            'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if ((response.statusCode ?? 0) >= 300)
              reject(new Error(`bare client: ${method} ${path} answered ${response.statusCode}: ${text}`));
            else resolve(JSON.parse(text));
          });
        },
      );
      call.on('error', reject);
      call.end(JSON.stringify(body));
    });
}
