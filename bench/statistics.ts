import { percentile } from '../lib/telemetry/percentile.ts';

export function summarize(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
  };
}

/** min–max of one figure across the runs: the machine's noise. */
export function spread(values: number[]) {
  return { min: Math.min(...values), max: Math.max(...values) };
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));
