import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StandInAppRoutes } from './standInAppRoutes.ts';
import { StandInApps } from './standInApps.ts';
import { type PrimaryQuota, StandInPrimaryQuota } from './standInPrimaryQuota.ts';
import { StandInRunnerGroups } from './standInRunnerGroups.ts';
import { StandInRunners } from './standInRunners.ts';
import { type SecondaryLimit, StandInSecondaryLimit } from './standInSecondaryLimit.ts';
import { StandInWorkflows } from './standInWorkflows.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface RecordedResponse {
  method: string;
  route: string;
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** When it was sent, `performance.now()`. */
  atMs: number;
}

/** A fault the next matching request gets instead of its answer. */
export interface InjectedFault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A local stand-in for the part of GitHub's REST API the autoscaler uses: App installation tokens and
 * the self-hosted runner endpoints, for organisations and repositories. It checks the App's JWT with
 * the App's public key. Its answers are checked against GitHub's OpenAPI description in its own test.
 */
export async function startGitHubStandIn() {
  const apps = new StandInApps();
  /** Requests made as each App (its JWT or one of its installations' tokens). */
  const callsByApp = new Map<number, number>();
  const requests: RecordedRequest[] = [];
  const responses: RecordedResponse[] = [];
  const faults: { route: RegExp; fault: InjectedFault }[] = [];
  /** What a test does when GitHub is asked to redeliver: GitHub would POST the delivery again. */
  const hooks: {
    onRedeliver?: (deliveryId: number) => void;
    /** What a test does when GitHub re-runs jobs: the IDs of the new jobs it queues for them. */
    onRerun?: (repository: string, rerunJobIds: number[]) => number[];
  } = {};
  const appRoutes = new StandInAppRoutes(apps, (deliveryId) => hooks.onRedeliver?.(deliveryId));
  const runners = new StandInRunners();
  const workflows = new StandInWorkflows(hooks);
  const runnerGroups = new StandInRunnerGroups();
  /** Faults drawn afresh for every request whose "METHOD /path" matches. */
  const randomFaults: { route: RegExp; share: number; fault: () => InjectedFault }[] = [];
  let primaryQuota = new StandInPrimaryQuota();
  let secondaryLimit: StandInSecondaryLimit | undefined;

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const body = await readJson(request);
    const method = request.method ?? '';
    const authorization = request.headers.authorization ?? '';
    requests.push({ method, path: url.pathname + url.search, body });
    const caller = callerOf(authorization);
    // GitHub reports the caller's quota on every answer, and counts every request it answers.
    const quota = primaryQuota.charge(caller.name);
    const send = (status: number, payload?: unknown, route = '', headers: Record<string, string> = {}) => {
      const sentHeaders = { 'content-type': 'application/json', ...quota.headers, ...headers };
      responses.push({ method, route, status, body: payload, headers: sentHeaders, atMs: performance.now() });
      response.writeHead(status, sentHeaders);
      response.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const faultIndex = faults.findIndex(({ route }) => route.test(`${method} ${url.pathname}`));
    const fault =
      faultIndex >= 0
        ? faults.splice(faultIndex, 1)[0]?.fault
        : randomFaults
            .find(({ route, share }) => route.test(`${method} ${url.pathname}`) && Math.random() < share)
            ?.fault();
    if (fault) {
      send(fault.status, fault.body ?? { message: 'injected fault' }, '', fault.headers);
      return;
    }
    if (caller.appId) callsByApp.set(caller.appId, (callsByApp.get(caller.appId) ?? 0) + 1);
    const refusal = quota.refusal ?? secondaryLimit?.charge(method, `${caller.appId ?? 0}${url.pathname}`);
    if (refusal) {
      send(refusal.status, refusal.body, '', refusal.headers);
      return;
    }
    try {
      handle(method, url, body, authorization, send);
    } catch (error) {
      send(500, { message: `stand-in failed: ${(error as Error).message}` });
    }
  });

  function handle(
    method: string,
    url: URL,
    body: unknown,
    authorization: string,
    send: (status: number, payload?: unknown, route?: string, headers?: Record<string, string>) => void,
  ) {
    if (appRoutes.answer(method, url, authorization, send)) return;
    if (!authorization.startsWith('token ghs_installation')) return send(401, { message: 'Bad credentials' });
    if (workflows.answer(method, url, send)) return;
    if (runnerGroups.answer(method, url, send)) return;
    if (runners.answer(method, url, body, send)) return;
    return send(404, { message: 'Not Found' });
  }

  /**
   * Who a request is made as, for its quota: an installation (its token names it), or an App (its
   * JWT); and the App either belongs to.
   */
  function callerOf(authorization: string): { name: string; appId: number | undefined } {
    const token = /^token ghs_installation(\d+)$/.exec(authorization);
    if (token)
      return { name: `installation ID ${token[1]}`, appId: apps.appOfInstallation(Number(token[1])) };
    const appId = apps.appOfJwt(authorization);
    return { name: appId ? `app ID ${appId}` : 'anonymous', appId };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    appPrivateKey: apps.first.appPrivateKey,
    /** Another App installed on the same accounts, with its own key and installation IDs. */
    addApp: () => apps.add(),
    /** That App's ID of the installation the first App knows by this ID. */
    installationOf: (appId: number, firstAppInstallationId: number) =>
      apps.installationId(appId, firstAppInstallationId),
    callsByApp,
    requests,
    responses,
    runners: runners.runners,
    /** The next request whose "METHOD /path" matches gets this fault instead. */
    injectFault: (route: RegExp, fault: InjectedFault) => faults.push({ route, fault }),
    /** From now on, each request whose "METHOD /path" matches gets a fault with a chance of `share`. */
    failRandomly: (route: RegExp, share: number, fault: () => InjectedFault) =>
      randomFaults.push({ route, share, fault }),
    /** From now on, enforces GitHub's secondary limit per endpoint; what it refused is on the result. */
    limitSecondary: (limit: SecondaryLimit) => {
      secondaryLimit = new StandInSecondaryLimit(limit);
      return secondaryLimit;
    },
    /**
     * From now on, refuses a caller's requests beyond its primary quota until the window resets
     * (by default GitHub's 5,000 an hour); what it refused is on the result. Every answer carries the
     * quota's headers whether or not it is enforced.
     */
    limitQuota: (quota: PrimaryQuota = {}) => {
      primaryQuota = new StandInPrimaryQuota(quota, true);
      return primaryQuota;
    },
    /** Adds an attempt to the App's delivery log, which lists the newest first, as GitHub records each. */
    addDelivery: (delivery: Parameters<StandInAppRoutes['addDelivery']>[0]) =>
      appRoutes.addDelivery(delivery),
    redelivered: appRoutes.redelivered,
    hooks,
    /**
     * Sets GitHub's status of a workflow job, and the runner that took it, as the jobs API reports
     * them; its run, labels and creation time stay as first set (run 1, `self-hosted`, now).
     */
    setJob: workflows.setJob,
    /** The organisation's runner groups, and which repositories are public, as a test sets them. */
    runnerGroups,
    setBusy: (name: string, busy: boolean) => runners.setBusy(name, busy),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString();
  return text ? JSON.parse(text) : undefined;
}

export type GitHubStandIn = Awaited<ReturnType<typeof startGitHubStandIn>>;
