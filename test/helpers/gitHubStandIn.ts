import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StandInApps } from './standInApps.ts';
import { StandInRunnerGroups } from './standInRunnerGroups.ts';
import { type SecondaryLimit, StandInSecondaryLimit } from './standInSecondaryLimit.ts';
import { StandInWorkflows } from './standInWorkflows.ts';

interface StandInRunner {
  id: number;
  name: string;
  os: string;
  status: 'online' | 'offline';
  busy: boolean;
  labels: { id: number; name: string; type: 'custom' | 'read-only' }[];
  runner_group_id: number;
}

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
  const runners = new Map<number, StandInRunner & { scope: string }>();
  const requests: RecordedRequest[] = [];
  const responses: RecordedResponse[] = [];
  const faults: { route: RegExp; fault: InjectedFault }[] = [];
  let nextRunnerId = 1;
  let rateLimitRemaining = 5000;
  /** The accounts the App is installed on. */
  const installations: { id: number; login: string; type: 'Organization' | 'User' }[] = [
    { id: 42, login: 'acme', type: 'Organization' },
    { id: 43, login: 'octocat', type: 'User' },
  ];
  /** The App's webhook delivery log, newest first, and the deliveries it was asked to redeliver. */
  const deliveries: DeliveryItem[] = [];
  const redelivered: number[] = [];
  /** What a test does when GitHub is asked to redeliver: GitHub would POST the delivery again. */
  const hooks: {
    onRedeliver?: (deliveryId: number) => void;
    /** What a test does when GitHub re-runs jobs: the IDs of the new jobs it queues for them. */
    onRerun?: (repository: string, rerunJobIds: number[]) => number[];
  } = {};
  const workflows = new StandInWorkflows(hooks);
  const runnerGroups = new StandInRunnerGroups();
  /** Faults drawn afresh for every request whose "METHOD /path" matches. */
  const randomFaults: { route: RegExp; share: number; fault: () => InjectedFault }[] = [];
  let secondaryLimit: StandInSecondaryLimit | undefined;

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const body = await readJson(request);
    requests.push({ method: request.method ?? '', path: url.pathname + url.search, body });
    const send = (status: number, payload?: unknown, route = '', headers: Record<string, string> = {}) => {
      responses.push({ method: request.method ?? '', route, status, body: payload });
      // GitHub reports the caller's remaining quota on every answer.
      rateLimitRemaining -= 1;
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(rateLimitRemaining),
        ...headers,
      });
      response.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    const faultIndex = faults.findIndex(({ route }) => route.test(`${request.method} ${url.pathname}`));
    const fault =
      faultIndex >= 0
        ? faults.splice(faultIndex, 1)[0]?.fault
        : randomFaults
            .find(
              ({ route, share }) => route.test(`${request.method} ${url.pathname}`) && Math.random() < share,
            )
            ?.fault();
    if (fault) {
      send(fault.status, fault.body ?? { message: 'injected fault' }, '', fault.headers);
      return;
    }
    const caller = callerApp(request.headers.authorization ?? '');
    if (caller) callsByApp.set(caller, (callsByApp.get(caller) ?? 0) + 1);
    const refusal = secondaryLimit?.charge(request.method ?? '', `${caller ?? 0}${url.pathname}`);
    if (refusal) {
      send(refusal.status, refusal.body, '', refusal.headers);
      return;
    }
    try {
      handle(request.method ?? '', url, body, request.headers.authorization ?? '', send);
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
    const path = url.pathname;
    const tokenRoute = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (method === 'POST' && tokenRoute) {
      const appId = apps.appOfJwt(authorization);
      if (!appId) return send(401, { message: 'A JSON web token could not be decoded' });
      if (apps.appOfInstallation(Number(tokenRoute[1])) !== appId) return send(404, { message: 'Not Found' });
      return send(
        201,
        {
          token: `ghs_installation${tokenRoute[1]}`,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          permissions: { organization_self_hosted_runners: 'write' },
          repository_selection: 'all',
        },
        '/app/installations/{installation_id}/access_tokens',
      );
    }
    if (method === 'GET' && path === '/app/installations') {
      const appId = apps.appOfJwt(authorization);
      if (!appId) return send(401, { message: 'A JSON web token could not be decoded' });
      const ofApp = installations.map((each) => ({ ...each, id: apps.installationId(appId, each.id) }));
      return send(
        200,
        ofApp.map((each) => installation(each, appId)),
        '/app/installations',
      );
    }
    if (path.startsWith('/app/hook/deliveries')) {
      if (!apps.appOfJwt(authorization))
        return send(401, { message: 'A JSON web token could not be decoded' });
      if (method === 'GET' && path === '/app/hook/deliveries') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const from = Number(url.searchParams.get('cursor') ?? 0);
        const status = url.searchParams.get('status');
        const listed = deliveries.filter(
          ({ status_code }) =>
            !status || (status === 'failure') === !(status_code >= 200 && status_code < 300),
        );
        const page = listed.slice(from, from + perPage);
        const more = from + perPage < listed.length;
        const filter = status ? `&status=${status}` : '';
        const next = `<${url.origin}/app/hook/deliveries?per_page=${perPage}${filter}&cursor=${from + perPage}>; rel="next"`;
        return send(200, page, '/app/hook/deliveries', more ? { link: next } : {});
      }
      const attempts = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/.exec(path);
      if (method === 'POST' && attempts?.[1]) {
        const original = deliveries.find((delivery) => delivery.id === Number(attempts[1]));
        if (!original) return send(404, { message: 'Not Found' });
        redelivered.push(original.id);
        hooks.onRedeliver?.(original.id);
        return send(202, {}, '/app/hook/deliveries/{delivery_id}/attempts');
      }
    }
    if (!authorization.startsWith('token ghs_installation')) return send(401, { message: 'Bad credentials' });

    if (workflows.answer(method, url, send)) return;
    if (runnerGroups.answer(method, url, send)) return;

    const scoped = /^\/(orgs\/[^/]+|repos\/[^/]+\/[^/]+)\/actions\/runners(\/.*)?$/.exec(path);
    if (!scoped?.[1]) return send(404, { message: 'Not Found' });
    const scope = scoped[1];
    const rest = scoped[2] ?? '';
    const template = scope.startsWith('orgs/')
      ? '/orgs/{org}/actions/runners'
      : '/repos/{owner}/{repo}/actions/runners';

    if (method === 'POST' && rest === '/generate-jitconfig') {
      const { name, labels, runner_group_id } = body as {
        name: string;
        labels: string[];
        runner_group_id: number;
      };
      if (!name || !Array.isArray(labels) || labels.length === 0 || !runner_group_id) {
        return send(422, { message: 'Validation Failed' });
      }
      if ([...runners.values()].some((runner) => runner.scope === scope && runner.name === name)) {
        return send(409, { message: 'Already exists - A runner with the name already exists.' });
      }
      const runner = {
        id: nextRunnerId++,
        name,
        os: 'unknown',
        status: 'offline' as const,
        busy: false,
        labels: labels.map((label, index) => ({ id: index + 1, name: label, type: 'custom' as const })),
        runner_group_id,
        scope,
      };
      runners.set(runner.id, runner);
      const encoded = Buffer.from(JSON.stringify({ '.runner': name })).toString('base64');
      return send(
        201,
        { runner: publicRunner(runner), encoded_jit_config: encoded },
        `${template}/generate-jitconfig`,
      );
    }
    if (method === 'POST' && rest === '/registration-token') {
      return send(
        201,
        {
          token: `AABF${nextRunnerId++}REGISTRATION`,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
        },
        `${template}/registration-token`,
      );
    }
    if (method === 'GET' && rest === '') {
      const name = url.searchParams.get('name');
      const found = [...runners.values()].filter(
        (runner) => runner.scope === scope && (!name || runner.name === name),
      );
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const slice = found.slice((page - 1) * perPage, page * perPage);
      return send(200, { total_count: found.length, runners: slice.map(publicRunner) }, template);
    }
    const byId = /^\/(\d+)$/.exec(rest);
    const runner = byId ? runners.get(Number(byId[1])) : undefined;
    if (byId && (!runner || runner.scope !== scope)) return send(404, { message: 'Not Found' });
    if (runner && method === 'GET') return send(200, publicRunner(runner), `${template}/{runner_id}`);
    if (runner && method === 'DELETE') {
      if (runner.busy) return send(422, { message: 'Bad request - Runner "x" is still running a job"' });
      runners.delete(runner.id);
      return send(204, undefined, `${template}/{runner_id}`);
    }
    return send(404, { message: 'Not Found' });
  }

  /** The App a request is made as: an installation's token names its installation; else the App's JWT. */
  function callerApp(authorization: string): number | undefined {
    const token = /^token ghs_installation(\d+)$/.exec(authorization);
    return token ? apps.appOfInstallation(Number(token[1])) : apps.appOfJwt(authorization);
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
    runners,
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
    /** Adds an attempt to the App's delivery log, which lists the newest first, as GitHub records each. */
    addDelivery: (
      delivery: Omit<DeliveryItem, 'duration' | 'status' | 'action' | 'installation_id' | 'repository_id'>,
    ) => {
      deliveries.push({
        duration: 0.05,
        status: delivery.status_code === 200 ? 'OK' : 'failed to connect',
        action: 'queued',
        installation_id: 42,
        repository_id: 7,
        ...delivery,
      });
      deliveries.sort((a, b) => b.delivered_at.localeCompare(a.delivered_at));
    },
    redelivered,
    hooks,
    /**
     * Sets GitHub's status of a workflow job, and the runner that took it, as the jobs API reports
     * them; its run, labels and creation time stay as first set (run 1, `self-hosted`, now).
     */
    setJob: workflows.setJob,
    /** The organisation's runner groups, and which repositories are public, as a test sets them. */
    runnerGroups,
    setBusy: (name: string, busy: boolean) => {
      for (const runner of runners.values()) if (runner.name === name) runner.busy = busy;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An App installation as `GET /app/installations` lists it. */
function installation({ id, login, type }: { id: number; login: string; type: string }, appId: number) {
  const api = 'https://api.github.com';
  return {
    id,
    app_id: appId,
    app_slug: 'eks-runner-autoscaler',
    target_id: id * 10,
    target_type: type,
    single_file_name: null,
    repository_selection: 'all',
    access_tokens_url: `${api}/app/installations/${id}/access_tokens`,
    html_url: `https://github.com/organizations/${login}/settings/installations/${id}`,
    repositories_url: `${api}/installation/repositories`,
    events: ['workflow_job'],
    account: {
      login,
      id: id * 10,
      node_id: `MDQ6${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id * 10}`,
      gravatar_id: '',
      url: `${api}/users/${login}`,
      html_url: `https://github.com/${login}`,
      followers_url: `${api}/users/${login}/followers`,
      following_url: `${api}/users/${login}/following{/other_user}`,
      gists_url: `${api}/users/${login}/gists{/gist_id}`,
      starred_url: `${api}/users/${login}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/users/${login}/subscriptions`,
      organizations_url: `${api}/users/${login}/orgs`,
      repos_url: `${api}/users/${login}/repos`,
      events_url: `${api}/users/${login}/events{/privacy}`,
      received_events_url: `${api}/users/${login}/received_events`,
      type,
      site_admin: false,
      // GitHub's description has the account be a user and an enterprise at once (allOf).
      name: login,
      slug: login,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    },
    permissions: { organization_self_hosted_runners: 'write' },
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    suspended_by: null,
    suspended_at: null,
  };
}

/** An entry of the App's webhook delivery log. */
interface DeliveryItem {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
}

function publicRunner({ scope: _scope, ...runner }: StandInRunner & { scope: string }) {
  return runner;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString();
  return text ? JSON.parse(text) : undefined;
}

export type GitHubStandIn = Awaited<ReturnType<typeof startGitHubStandIn>>;
