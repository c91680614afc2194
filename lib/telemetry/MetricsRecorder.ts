import type { Metrics } from '../ports.ts';
import type { MetricDimensions, MetricName } from './metricCatalog.ts';

export interface RecordedPoint {
  name: MetricName;
  value: number;
  dimensions: Record<string, string>;
  /** Milliseconds since the epoch. */
  at: number;
}

/**
 * Metrics kept in memory: the local mode's status page reads them, and tests assert on them. It keeps
 * a running total per metric and dimension set, and the latest points up to a limit.
 */
export class MetricsRecorder implements Metrics {
  private readonly recent: RecordedPoint[] = [];
  private readonly totals = new Map<string, number>();
  private readonly keepPoints: number;
  private readonly now: () => number;

  /** `keepPoints`: how many of the latest points to keep. @default 10000 */
  constructor(options: { keepPoints?: number; now?: () => number } = {}) {
    this.keepPoints = options.keepPoints ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  record<Name extends MetricName>(name: Name, value: number, dimensions: MetricDimensions<Name>): void {
    const point = { name, value, dimensions: { ...dimensions }, at: this.now() };
    this.recent.push(point);
    if (this.recent.length > this.keepPoints) this.recent.splice(0, this.recent.length - this.keepPoints);
    const key = totalKey(name, point.dimensions);
    this.totals.set(key, (this.totals.get(key) ?? 0) + value);
  }

  /** The kept points of a metric, oldest first, optionally only those with these dimension values. */
  points(name: MetricName, dimensions: Record<string, string> = {}): RecordedPoint[] {
    return this.recent.filter((point) => point.name === name && matches(point.dimensions, dimensions));
  }

  /** The sum of every value ever recorded for the metric, over dimension sets matching `dimensions`. */
  total(name: MetricName, dimensions: Record<string, string> = {}): number {
    let sum = 0;
    for (const [key, value] of this.totals) {
      const [keyName, keyDimensions] = JSON.parse(key) as [string, Record<string, string>];
      if (keyName === name && matches(keyDimensions, dimensions)) sum += value;
    }
    return sum;
  }
}

function totalKey(name: string, dimensions: Record<string, string>): string {
  return JSON.stringify([
    name,
    Object.fromEntries(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b))),
  ]);
}

function matches(dimensions: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => dimensions[key] === value);
}
