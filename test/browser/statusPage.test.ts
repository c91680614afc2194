import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunnerClass } from '../../lib/config/autoscalerConfig.ts';
import type { StatusReport } from '../../local/LocalStatus.ts';
import { type LocalAutoscaler, startLocalAutoscaler } from '../../local/startLocalAutoscaler.ts';
import { scalerCluster, uniqueJobId } from '../cluster/clusterClients.ts';
import { captureLog } from '../helpers/captureLog.ts';
import { testConfig } from '../helpers/factories.ts';
import { workflowJobEvent } from '../helpers/hostileRequests.ts';
import { ScriptedRegistry } from '../helpers/scriptedRegistry.ts';
import { signedDelivery, WEBHOOK_SECRET } from '../helpers/webhookRequests.ts';
import { launchChromium } from './chromium.ts';

const SCREENSHOT = 'test/__artifacts__/status-page.png';

/** A class of this test's own, so other tests' pods in the shared namespace do not count. */
const base = testConfig();
const statusClass: RunnerClass = {
  ...(base.runnerClasses[0] as RunnerClass),
  name: 'status-page',
  labels: ['status-page'],
};
const config = { ...base, runnerClasses: [statusClass] };

const CREATED_AT = Date.parse('2026-11-28T10:00:00Z');
/** Seconds each started job waited for a runner, by GitHub's timestamps; the last two never start. */
const WAITS = [3, 8, 25, 400, undefined, undefined];

let local: LocalAutoscaler;
const jobIds = WAITS.map(() => uniqueJobId());
const podName = (jobId: number) => `${statusClass.name}-${jobId}`;

async function deliver(action: string, jobId: number, fields: Record<string, unknown> = {}) {
  const payload = workflowJobEvent(action, {
    id: jobId,
    labels: statusClass.labels,
    created_at: new Date(CREATED_AT).toISOString(),
    ...fields,
  });
  const request = await signedDelivery(payload);
  const response = await fetch(`${local.url}/webhook`, {
    method: 'POST',
    headers: request.headers as Record<string, string>,
    body: request.body,
  });
  if (response.status !== 202)
    throw new Error(`${action} ${jobId}: ${response.status} ${await response.text()}`);
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(await readStatus())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const readStatus = async () => (await (await fetch(`${local.url}/status`)).json()) as StatusReport;

beforeAll(async () => {
  local = await startLocalAutoscaler({
    config,
    webhookSecrets: { current: WEBHOOK_SECRET },
    cluster: scalerCluster(inject('controlPlane').namespace),
    registry: new ScriptedRegistry(),
    log: captureLog(),
    port: 0,
    statusIntervalMs: 200,
  });
  // A short run: six jobs queued, four started after known waits, one completed. Each step waits for
  // the last, as the local queue handles deliveries concurrently and a `completed` must find its pod.
  for (const jobId of jobIds) await deliver('queued', jobId);
  await until(async () => (await readStatus()).runnerClasses[0]?.phases.Running === 6, 30_000);
  for (const [index, wait] of WAITS.entries()) {
    const jobId = jobIds[index] as number;
    if (wait === undefined) continue;
    await deliver('in_progress', jobId, {
      started_at: new Date(CREATED_AT + wait * 1000).toISOString(),
      runner_name: podName(jobId),
    });
  }
  await deliver('completed', jobIds[0] as number, { runner_name: podName(jobIds[0] as number) });
  await until(async () => (await readStatus()).runnerClasses[0]?.phases.Running === 5, 30_000);
});
afterAll(() => local?.close());

describe('local status', () => {
  it('answers GET /status with runners by class and phase, job counts and the wait times', async () => {
    // Act
    const status = await readStatus();

    // Assess
    expect(status.jobs).toEqual({ queued: 6, started: 4, completed: 1 });
    expect(status.runnerClasses).toEqual([
      expect.objectContaining({
        runnerClass: 'status-page',
        maxRunners: statusClass.maxRunners,
        phases: { Registering: 0, Pending: 0, Running: 5, Succeeded: 0, Failed: 0 },
      }),
    ]);
    expect(status.waitTimes).toMatchObject({ count: 4, p50: 25, p90: 400 });
    expect(status.queue).toMatchObject({ ready: 0, deadLetters: 0 });
    expect(status.history.at(-1)?.phases.Running).toBe(5);
  });
});

describe('status page in headless Chromium', { timeout: 60_000 }, () => {
  it('draws the runners by phase over time and the wait-time histogram from the run', async () => {
    // Prepare
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });

    try {
      // Act
      await page.goto(`${local.url}/?refreshMs=250`);
      await page.locator('#phase-legend b[data-phase="Running"]', { hasText: '5' }).waitFor();

      // Assess: the tiles and the class table carry the run's numbers.
      expect(await page.textContent('#jobs-queued')).toBe('6');
      expect(await page.textContent('#jobs-started')).toBe('4');
      expect(await page.textContent('#jobs-completed')).toBe('1');
      expect(await page.textContent('#wait-p50')).toBe('25.0 s');
      expect(await page.textContent('#wait-p90')).toBe('400.0 s');
      expect(await page.locator('#classes tr[data-runner-class="status-page"] td').allTextContents()).toEqual(
        ['status-page', '0', '0', '5', '0', '0', '0', `5 / ${statusClass.maxRunners}`],
      );

      // The histogram: one bar per bucket, drawn as high as its count, and labelled with it.
      const bars = await page.$$eval('#wait-histogram rect.wait-bar', (rects) =>
        rects.map((rect) => ({
          bucket: rect.getAttribute('data-bucket'),
          count: Number(rect.getAttribute('data-count')),
          height: Number(rect.getAttribute('height')),
        })),
      );
      expect(bars.map(({ bucket, count }) => [bucket, count])).toEqual([
        ['≤5 s', 1],
        ['≤10 s', 1],
        ['≤30 s', 1],
        ['≤60 s', 0],
        ['≤120 s', 0],
        ['≤300 s', 0],
        ['≤600 s', 1],
        ['>600 s', 0],
      ]);
      for (const bar of bars) expect(bar.height > 0).toBe(bar.count > 0);
      expect(await page.locator('#wait-histogram text.bar-count').allTextContents()).toEqual([
        '1',
        '1',
        '1',
        '0',
        '0',
        '0',
        '1',
        '0',
      ]);

      // Runners by phase over time: a line per phase through every census sample, ending at the run's numbers.
      const lines = await page.$$eval('#phase-chart polyline.phase-line', (polylines) =>
        polylines.map((line) => ({
          phase: line.getAttribute('data-phase'),
          latest: Number(line.getAttribute('data-latest')),
          points: (line.getAttribute('points') ?? '').trim().split(/\s+/).length,
        })),
      );
      expect(lines.map(({ phase, latest }) => [phase, latest])).toEqual([
        ['Registering', 0],
        ['Pending', 0],
        ['Running', 5],
        ['Succeeded', 0],
        ['Failed', 0],
      ]);
      expect(Math.min(...lines.map(({ points }) => points))).toBeGreaterThan(1);
      expect(Number(await page.textContent('#phase-chart text.y-max'))).toBeGreaterThanOrEqual(5);
      expect(pageErrors, JSON.stringify(pageErrors)).toEqual([]);

      mkdirSync('test/__artifacts__', { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
