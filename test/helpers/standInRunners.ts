type Send = (status: number, payload?: unknown, route?: string) => void;

export interface StandInRunner {
  id: number;
  name: string;
  os: string;
  status: 'online' | 'offline';
  busy: boolean;
  labels: { id: number; name: string; type: 'custom' | 'read-only' }[];
  runner_group_id: number;
}

/**
 * The self-hosted runner endpoints of organisations and repositories: JIT configs, registration
 * tokens, listing, reading and removing runners. A busy runner cannot be removed, as on GitHub.
 */
export class StandInRunners {
  /** Every runner registered, by ID, with the organisation or repository it belongs to. */
  readonly runners = new Map<number, StandInRunner & { scope: string }>();
  private nextRunnerId = 1;

  /** Answers the request if it is one of these routes; false if it is not. */
  answer(method: string, url: URL, body: unknown, send: Send): boolean {
    const scoped = /^\/(orgs\/[^/]+|repos\/[^/]+\/[^/]+)\/actions\/runners(\/.*)?$/.exec(url.pathname);
    if (!scoped?.[1]) return false;
    const scope = scoped[1];
    const rest = scoped[2] ?? '';
    const template = scope.startsWith('orgs/')
      ? '/orgs/{org}/actions/runners'
      : '/repos/{owner}/{repo}/actions/runners';
    const sent = (...args: Parameters<Send>) => {
      send(...args);
      return true;
    };

    if (method === 'POST' && rest === '/generate-jitconfig') {
      const { name, labels, runner_group_id } = body as {
        name: string;
        labels: string[];
        runner_group_id: number;
      };
      if (!name || !Array.isArray(labels) || labels.length === 0 || !runner_group_id) {
        return sent(422, { message: 'Validation Failed' });
      }
      if ([...this.runners.values()].some((runner) => runner.scope === scope && runner.name === name)) {
        return sent(409, { message: 'Already exists - A runner with the name already exists.' });
      }
      const runner = {
        id: this.nextRunnerId++,
        name,
        os: 'unknown',
        status: 'offline' as const,
        busy: false,
        labels: labels.map((label, index) => ({ id: index + 1, name: label, type: 'custom' as const })),
        runner_group_id,
        scope,
      };
      this.runners.set(runner.id, runner);
      const encoded = Buffer.from(JSON.stringify({ '.runner': name })).toString('base64');
      return sent(
        201,
        { runner: publicRunner(runner), encoded_jit_config: encoded },
        `${template}/generate-jitconfig`,
      );
    }
    if (method === 'POST' && rest === '/registration-token') {
      return sent(
        201,
        {
          token: `AABF${this.nextRunnerId++}REGISTRATION`,
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
        },
        `${template}/registration-token`,
      );
    }
    if (method === 'GET' && rest === '') {
      const name = url.searchParams.get('name');
      const found = [...this.runners.values()].filter(
        (runner) => runner.scope === scope && (!name || runner.name === name),
      );
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const slice = found.slice((page - 1) * perPage, page * perPage);
      return sent(200, { total_count: found.length, runners: slice.map(publicRunner) }, template);
    }
    const byId = /^\/(\d+)$/.exec(rest);
    const runner = byId ? this.runners.get(Number(byId[1])) : undefined;
    if (byId && (!runner || runner.scope !== scope)) return sent(404, { message: 'Not Found' });
    if (runner && method === 'GET') return sent(200, publicRunner(runner), `${template}/{runner_id}`);
    if (runner && method === 'DELETE') {
      if (runner.busy) return sent(422, { message: 'Bad request - Runner "x" is still running a job"' });
      this.runners.delete(runner.id);
      return sent(204, undefined, `${template}/{runner_id}`);
    }
    return sent(404, { message: 'Not Found' });
  }

  setBusy(name: string, busy: boolean): void {
    for (const runner of this.runners.values()) if (runner.name === name) runner.busy = busy;
  }
}

function publicRunner({ scope: _scope, ...runner }: StandInRunner & { scope: string }) {
  return runner;
}
