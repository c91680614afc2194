import type { StandInApps } from './standInApps.ts';

type Send = (status: number, payload?: unknown, route?: string, headers?: Record<string, string>) => void;

/** An entry of the App's webhook delivery log. */
export interface DeliveryItem {
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

const UNDECODABLE_JWT = { message: 'A JSON web token could not be decoded' };

/**
 * The routes an App calls as itself, with its JWT: installation tokens, its installations, and its
 * webhook delivery log with redelivery.
 */
export class StandInAppRoutes {
  /** The accounts every App is installed on, by the first App's installation IDs. */
  readonly installations: { id: number; login: string; type: 'Organization' | 'User' }[] = [
    { id: 42, login: 'acme', type: 'Organization' },
    { id: 43, login: 'octocat', type: 'User' },
  ];
  /** The App's webhook delivery log, newest first, and the deliveries it was asked to redeliver. */
  readonly deliveries: DeliveryItem[] = [];
  readonly redelivered: number[] = [];
  private readonly apps: StandInApps;
  private readonly onRedeliver: (deliveryId: number) => void;

  constructor(apps: StandInApps, onRedeliver: (deliveryId: number) => void) {
    this.apps = apps;
    this.onRedeliver = onRedeliver;
  }

  /** Answers the request if it is one of these routes; false if it is not. */
  answer(method: string, url: URL, authorization: string, send: Send): boolean {
    const path = url.pathname;
    const sent = (...args: Parameters<Send>) => {
      send(...args);
      return true;
    };
    const tokenRoute = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (method === 'POST' && tokenRoute) {
      const appId = this.apps.appOfJwt(authorization);
      if (!appId) return sent(401, UNDECODABLE_JWT);
      if (this.apps.appOfInstallation(Number(tokenRoute[1])) !== appId)
        return sent(404, { message: 'Not Found' });
      return sent(
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
      const appId = this.apps.appOfJwt(authorization);
      if (!appId) return sent(401, UNDECODABLE_JWT);
      const ofApp = this.installations.map((each) => ({
        ...each,
        id: this.apps.installationId(appId, each.id),
      }));
      return sent(
        200,
        ofApp.map((each) => installation(each, appId)),
        '/app/installations',
      );
    }
    if (!path.startsWith('/app/hook/deliveries')) return false;
    if (!this.apps.appOfJwt(authorization)) return sent(401, UNDECODABLE_JWT);
    if (method === 'GET' && path === '/app/hook/deliveries') {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const status = url.searchParams.get('status');
      const listed = this.deliveries.filter(
        ({ status_code }) => !status || (status === 'failure') === !(status_code >= 200 && status_code < 300),
      );
      const page = listed.slice(from, from + perPage);
      const more = from + perPage < listed.length;
      const filter = status ? `&status=${status}` : '';
      const next = `<${url.origin}/app/hook/deliveries?per_page=${perPage}${filter}&cursor=${from + perPage}>; rel="next"`;
      return sent(200, page, '/app/hook/deliveries', more ? { link: next } : {});
    }
    const attempts = /^\/app\/hook\/deliveries\/(\d+)\/attempts$/.exec(path);
    if (method === 'POST' && attempts?.[1]) {
      const original = this.deliveries.find((delivery) => delivery.id === Number(attempts[1]));
      if (!original) return sent(404, { message: 'Not Found' });
      this.redelivered.push(original.id);
      this.onRedeliver(original.id);
      return sent(202, {}, '/app/hook/deliveries/{delivery_id}/attempts');
    }
    return false;
  }

  /** Adds an attempt to the App's delivery log, which lists the newest first, as GitHub records each. */
  addDelivery(
    delivery: Omit<DeliveryItem, 'duration' | 'status' | 'action' | 'installation_id' | 'repository_id'>,
  ): void {
    this.deliveries.push({
      duration: 0.05,
      status: delivery.status_code === 200 ? 'OK' : 'failed to connect',
      action: 'queued',
      installation_id: 42,
      repository_id: 7,
      ...delivery,
    });
    this.deliveries.sort((a, b) => b.delivered_at.localeCompare(a.delivered_at));
  }
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
