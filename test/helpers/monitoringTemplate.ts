import type { Template } from 'aws-cdk-lib/assertions';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { testConfig } from './factories.ts';

/** The test config with these monitoring settings. */
export function withMonitoring(monitoring: Partial<AutoscalerConfig['monitoring']>): AutoscalerConfig {
  const config = testConfig();
  return { ...config, monitoring: { ...config.monitoring, ...monitoring } };
}

export type DashboardMetric = [namespace: string, name: string, ...rest: unknown[]];

/**
 * The metrics of every dashboard widget, as CloudWatch will read them: the body is JSON joined with
 * deploy-time references, which stand in here as "<ref>".
 */
export function dashboardMetrics(
  template: Template,
): { title: string; metrics: DashboardMetric[]; lines: HorizontalLine[] }[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (!dashboard) throw new Error('no dashboard');
  const [, parts] = dashboard.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join('')) as {
    widgets: {
      properties: {
        title?: string;
        markdown?: string;
        metrics?: DashboardMetric[];
        annotations?: { horizontal?: HorizontalLine[] };
      };
    }[];
  };
  return body.widgets.map(({ properties }) => ({
    title: properties.title ?? properties.markdown ?? '',
    metrics: properties.metrics ?? [],
    lines: properties.annotations?.horizontal ?? [],
  }));
}

export type HorizontalLine = { value: number; label?: string };

/** The statistic of a dashboard metric entry, from the options that end it. */
export const statisticOf = (metric: DashboardMetric) => (metric.at(-1) as { stat: string }).stat;

/** The dimensions of a dashboard metric entry: the name/value pairs between the name and the options. */
export function dimensionsOf([, , ...rest]: DashboardMetric): Record<string, unknown> {
  const pairs = rest.filter((item) => typeof item === 'string') as string[];
  return Object.fromEntries(
    pairs.flatMap((_, index) => (index % 2 ? [] : [[pairs[index], pairs[index + 1]]])),
  );
}

export function alarmsNamed(template: Template, pattern: RegExp) {
  return Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
    .filter(([id]) => pattern.test(id))
    .map(([, alarm]) => alarm.Properties);
}
