import { Duration } from 'aws-cdk-lib';
import { ERROR_KINDS } from '../../../lib/errors.ts';
import { IGNORE_REASONS, REJECT_REASONS } from '../../../lib/telemetry/metricCatalog.ts';
import { type DashboardSection, graph } from './dashboardSection.ts';

/** Webhook → queue → scaler: queue depth and age, dead letters, the functions, and what they met. */
export const pipelineSection: DashboardSection = {
  title: 'Pipeline',
  description: 'Webhook → queue → scaler: queue depth and age, dead letters, and the functions.',
  rows: ({ metric, jobQueue, functions }) => {
    const minute = { period: Duration.minutes(1) };
    const each = Object.entries(functions);
    return [
      [
        graph({
          title: 'Job queue and dead letters',
          left: [
            jobQueue.queue.metricApproximateNumberOfMessagesVisible({
              ...minute,
              statistic: 'Maximum',
              label: 'queued',
            }),
            jobQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              ...minute,
              statistic: 'Maximum',
              label: 'dead letters',
            }),
          ],
          right: [
            jobQueue.queue.metricApproximateAgeOfOldestMessage({
              ...minute,
              statistic: 'Maximum',
              label: 'oldest message (s)',
            }),
          ],
        }),
        graph({
          title: 'Function errors and throttles',
          left: each.flatMap(([name, fn]) => [
            fn.metricErrors({ ...minute, statistic: 'Sum', label: `${name} errors` }),
            fn.metricThrottles({ ...minute, statistic: 'Sum', label: `${name} throttles` }),
          ]),
        }),
        graph({
          title: 'Function duration (p99) and concurrency',
          left: each.map(([name, fn]) =>
            fn.metricDuration({ ...minute, statistic: 'p99', label: `${name} p99 ms` }),
          ),
          right: each.map(([name, fn]) =>
            fn.metric('ConcurrentExecutions', {
              ...minute,
              statistic: 'Maximum',
              label: `${name} concurrency`,
            }),
          ),
        }),
      ],
      [
        graph({
          title: 'Errors handling jobs, by kind',
          left: ERROR_KINDS.map((kind) =>
            metric('Errors', { Kind: kind }, { statistic: 'Sum', label: kind }),
          ),
        }),
        graph({
          title: 'Webhook deliveries refused, by reason',
          left: REJECT_REASONS.map((reason) =>
            metric('WebhooksRejected', { Reason: reason }, { statistic: 'Sum', label: reason }),
          ),
        }),
        graph({
          title: 'Webhook deliveries ignored, by reason',
          left: IGNORE_REASONS.map((reason) =>
            metric('WebhooksIgnored', { Reason: reason }, { statistic: 'Sum', label: reason }),
          ),
        }),
      ],
    ];
  },
};
