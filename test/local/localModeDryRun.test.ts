import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowJobExamples } from '../helpers/examples.ts';
import { exampleConfigInput } from '../helpers/factories.ts';
import { hostileRequests, queuedJob } from '../helpers/hostileRequests.ts';
import { until } from '../helpers/until.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';

interface OutputLine {
  dryRun?: boolean;
  action?: string;
  pod?: string;
  message?: string;
  jobs?: { queued: number };
}

/** Starts `npm start -- --dry-run` as a user would, and collects its JSON output lines. */
function startLocalMode(args: string[], environment: Record<string, string | undefined>) {
  const child = spawn('node_modules/.bin/node', ['local/main.ts', ...args], {
    env: { ...process.env, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: OutputLine[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const parsed = JSON.parse(line) as OutputLine;
      lines.push(parsed);
      const match = /listening on (http:\/\/\S+)\/webhook/.exec(parsed.message ?? '');
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
  ready.catch(() => {});
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, lines, ready, exited, stderr: () => stderr };
}

async function post(url: string, request: Awaited<ReturnType<typeof signedDelivery>>) {
  const response = await fetch(`${url}/webhook`, {
    method: request.method,
    headers: Object.fromEntries(
      Object.entries(request.headers).filter(([, value]) => value !== undefined),
    ) as Record<string, string>,
    ...(request.method === 'GET' ? {} : { body: request.body }),
  });
  return { status: response.status, body: await response.text() };
}

describe('local mode with --dry-run', () => {
  let local: ReturnType<typeof startLocalMode>;
  let url: string;

  beforeAll(async () => {
    local = startLocalMode(
      ['--config', 'autoscaler.config.example.json', '--port', '0', '--status-interval', '0.2', '--dry-run'],
      {
        GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      },
    );
    url = await local.ready;
  });
  afterAll(async () => {
    local.child.kill('SIGTERM');
    await local.exited;
  });

  it('answers GET /healthz', async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
  });

  it.each(hostileRequests(1024 * 1024))(
    'answers %s with %d over HTTP',
    async (_, makeRequest, status, body) => {
      const response = await post(url, await makeRequest());
      expect(response.status).toBe(status);
      expect(response.body).toMatch(body);
    },
  );

  it('answers every GitHub workflow_job example as the Lambda does', async () => {
    for (const example of workflowJobExamples()) {
      const response = await post(url, await signedDelivery(example));
      expect(response.status).toBe(202);
      expect(response.body).toMatch(/^ignored: /);
    }
  });

  it('logs the pod it would create for a queued job, and its deletion when the job completes', async () => {
    // Prepare
    const queued = queuedJob();
    const podName = `linux-small-${queued.workflow_job.id}`;

    // Act
    const accepted = await post(url, await signedDelivery(queued));
    await until(() => local.lines.some((line) => line.action === 'create-pod' && line.pod === podName));
    const completed = {
      ...queued,
      action: 'completed',
      workflow_job: { ...queued.workflow_job, runner_name: podName },
    };
    await post(url, await signedDelivery(completed));
    await until(() => local.lines.some((line) => line.action === 'delete-pod' && line.pod === podName));

    // Assess
    expect(accepted.status).toBe(202);
    const actions = local.lines.filter((line) => line.dryRun && line.pod === podName);
    expect(actions).toEqual([
      {
        dryRun: true,
        action: 'create-pod',
        pod: podName,
        runnerClass: 'linux-small',
        jobId: String(queued.workflow_job.id),
      },
      { dryRun: true, action: 'delete-pod', pod: podName },
    ]);
  });

  it('logs progress as jobs arrive, and serves its status page and GET /status', async () => {
    // Act
    await post(
      url,
      await signedDelivery({ ...queuedJob(), workflow_job: { ...queuedJob().workflow_job, id: 77 } }),
    );
    await until(() =>
      local.lines.some((line) => line.message === 'progress' && (line.jobs?.queued ?? 0) >= 1),
    );
    const page = await fetch(`${url}/`);
    const status = await fetch(`${url}/status`);

    // Assess
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('Runners by phase over time');
    expect(status.headers.get('content-type')).toBe('application/json');
    const report = (await status.json()) as {
      jobs: { queued: number };
      runnerClasses: { runnerClass: string }[];
    };
    expect(report.jobs.queued).toBeGreaterThanOrEqual(1);
    expect(report.runnerClasses.map(({ runnerClass }) => runnerClass)).toEqual([
      'linux-small',
      'linux-docker',
      'linux-dind',
    ]);
  });

  it('creates one pod for a delivery sent twice', async () => {
    // Prepare
    const queued = queuedJob();
    queued.workflow_job.id += 1;
    const podName = `linux-small-${queued.workflow_job.id}`;
    const delivery = await signedDelivery(queued);

    // Act
    await Promise.all([post(url, delivery), post(url, delivery)]);
    await until(() => local.lines.some((line) => line.pod === podName));
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Assess
    expect(local.lines.filter((line) => line.action === 'create-pod' && line.pod === podName)).toHaveLength(
      1,
    );
  });
});

describe('local mode refuses to start', () => {
  it('without a webhook secret, saying which variable to set', async () => {
    const local = startLocalMode(['--dry-run', '--config', 'autoscaler.config.example.json'], {
      GITHUB_WEBHOOK_SECRET: '',
    });
    expect(await local.exited).toBe(2);
    expect(local.stderr()).toMatch(/GITHUB_WEBHOOK_SECRET is not set/);
  });

  it('with a config typo, naming the field', async () => {
    // Prepare
    const config = exampleConfigInput();
    const file = join(mkdtempSync(join(tmpdir(), 'local-')), 'typo.json');
    writeFileSync(file, JSON.stringify({ ...config, cluster: { ...config.cluster, namspace: 'x' } }));

    // Act
    const local = startLocalMode(['--dry-run', '--config', file], { GITHUB_WEBHOOK_SECRET: 's' });

    // Assess
    expect(await local.exited).toBe(2);
    expect(local.stderr()).toBe(
      `error: ${file} is invalid:\n  - cluster: unknown field "namspace"; check the spelling against autoscaler.config.example.json\n`,
    );
  });

  it('with a status interval that is not a number of seconds', async () => {
    const local = startLocalMode(
      ['--dry-run', '--config', 'autoscaler.config.example.json', '--status-interval', 'often'],
      {
        GITHUB_WEBHOOK_SECRET: 's',
      },
    );
    expect(await local.exited).toBe(2);
    expect(local.stderr()).toMatch(/--status-interval often must be between 0.1 and 3600 seconds/);
  });

  it('without a private key outside dry-run', async () => {
    const local = startLocalMode(['--config', 'autoscaler.config.example.json'], {
      GITHUB_WEBHOOK_SECRET: 's',
      GITHUB_APP_PRIVATE_KEY_FILE: '',
    });
    expect(await local.exited).toBe(2);
    expect(local.stderr()).toMatch(/GITHUB_APP_PRIVATE_KEY_FILE is not set/);
  });
});
