import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricDimensions, MetricName } from '../../lib/telemetry/metricCatalog.ts';

export type AutoscalerMetric = <Name extends MetricName>(
  name: Name,
  dimensions: MetricDimensions<Name>,
  options: { statistic: string; label?: string; period?: Duration },
) => cloudwatch.Metric;

/**
 * Reads the autoscaler's own metrics (see lib/telemetry/metricCatalog.ts) in one namespace, with the
 * names and dimensions the functions emit them under. @default period one minute
 */
export function autoscalerMetrics(namespace: string): AutoscalerMetric {
  return (name, dimensions, options) =>
    new cloudwatch.Metric({
      namespace,
      metricName: name,
      dimensionsMap: dimensions,
      statistic: options.statistic,
      period: options.period ?? Duration.minutes(1),
      ...(options.label && { label: options.label }),
    });
}
