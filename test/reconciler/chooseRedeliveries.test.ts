import { describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../lib/ports.ts';
import { chooseRedeliveries } from '../../lib/reconciler/chooseRedeliveries.ts';

const now = new Date('2026-11-28T10:00:00Z');
let nextId = 1;
const attempt = (
  guid: string,
  statusCode: number,
  secondsAgo: number,
  event = 'workflow_job',
): WebhookDelivery => ({
  id: nextId++,
  guid,
  deliveredAt: new Date(now.getTime() - secondsAgo * 1000),
  statusCode,
  event,
});

describe('chooseRedeliveries', () => {
  it('redelivers a failed workflow_job event once, by its latest attempt', () => {
    // Prepare
    const first = attempt('a', 502, 300);
    const second = attempt('a', 0, 120);

    // Act / Assess
    expect(chooseRedeliveries([second, first], now)).toEqual([second.id]);
  });

  it.each([
    ['an event one of whose attempts was accepted', [attempt('b', 502, 300), attempt('b', 202, 200)]],
    [
      'an event tried three times already',
      [attempt('c', 502, 300), attempt('c', 502, 200), attempt('c', 502, 100)],
    ],
    ['an event whose last attempt was just now', [attempt('d', 503, 10)]],
    ['another event than workflow_job', [attempt('e', 500, 300, 'push')]],
  ])('leaves %s alone', (_, deliveries) => {
    expect(chooseRedeliveries(deliveries, now)).toEqual([]);
  });
});
