import { describe, expect, it } from 'vitest';
import type { Redeliveries, WebhookDelivery } from '../../lib/ports.ts';
import { chooseRedeliveries } from '../../lib/reconciler/chooseRedeliveries.ts';

const now = new Date('2026-11-28T10:00:00Z');
const secondsAgo = (seconds: number) => now.getTime() - seconds * 1000;
let nextId = 1;
const failure = (guid: string, ago: number, event = 'workflow_job'): WebhookDelivery => ({
  id: nextId++,
  guid,
  deliveredAt: new Date(secondsAgo(ago)),
  statusCode: 502,
  event,
});

describe('chooseRedeliveries', () => {
  it('redelivers a failed workflow_job event not asked for yet, by its latest attempt', () => {
    const first = failure('a', 300);
    const second = failure('a', 120);
    expect(chooseRedeliveries([second, first], new Map(), now)).toEqual([second.id]);
  });

  it('redelivers again only an event whose redelivery failed too, and at most twice', () => {
    // Prepare: "ok" was asked for after its failure (and succeeded); "again" failed after being asked for once;
    // "twice" was asked for twice already.
    const asked: Redeliveries = new Map([
      ['ok', { attempts: 1, lastAt: secondsAgo(200) }],
      ['again', { attempts: 1, lastAt: secondsAgo(200) }],
      ['twice', { attempts: 2, lastAt: secondsAgo(200) }],
    ]);
    const again = failure('again', 100);

    // Act / Assess
    expect(
      chooseRedeliveries(
        [failure('ok', 300), failure('again', 300), again, failure('twice', 100)],
        asked,
        now,
      ),
    ).toEqual([again.id]);
  });

  it.each([
    ['an event whose last attempt was just now', [failure('d', 10)]],
    ['another event than workflow_job', [failure('e', 300, 'push')]],
  ])('leaves %s alone', (_, deliveries) => {
    expect(chooseRedeliveries(deliveries, new Map(), now)).toEqual([]);
  });
});
