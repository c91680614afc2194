import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { MetricUnit } from '@aws-lambda-powertools/metrics/types';
import type { Metrics } from '../ports.ts';
import { METRICS, type MetricDimensions, type MetricName } from '../telemetry/metricCatalog.ts';

/**
 * Metrics as CloudWatch embedded metric format, through Powertools: one EMF line per dimension set
 * per invocation, written to stdout when `publish` is called. Powertools' own `service` dimension is
 * dropped, so a metric's dimensions are exactly those the catalog gives it, which the dashboard uses.
 */
export class EmfMetrics implements Metrics {
  private readonly namespace: string;
  private readonly byDimensions = new Map<string, PowertoolsMetrics>();

  constructor(options: { namespace: string }) {
    this.namespace = options.namespace;
  }

  record<Name extends MetricName>(name: Name, value: number, dimensions: MetricDimensions<Name>): void {
    const entries: [string, string][] = Object.entries(dimensions);
    const key = JSON.stringify(entries.sort(([a], [b]) => a.localeCompare(b)));
    let emitter = this.byDimensions.get(key);
    if (!emitter) {
      emitter = new PowertoolsMetrics({ namespace: this.namespace });
      emitter.clearDefaultDimensions();
      emitter.setDefaultDimensions(Object.fromEntries(entries));
      this.byDimensions.set(key, emitter);
    }
    emitter.addMetric(name, METRICS[name].unit as MetricUnit, value);
  }

  /** Writes what was recorded since the last call. */
  publish(): void {
    for (const emitter of this.byDimensions.values()) {
      if (emitter.hasStoredMetrics()) emitter.publishStoredMetrics();
    }
  }
}

/** middy middleware: publish the metrics when the handler returns or throws. */
export function publishMetrics(metrics: EmfMetrics) {
  const publish = async () => metrics.publish();
  return { after: publish, onError: publish };
}
