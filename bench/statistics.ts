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

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/** One figure over the runs: its median and min–max. */
export function figure(values: number[], digits = 1) {
  const { min, max } = spread(values);
  return { median: round(median(values), digits), min: round(min, digits), max: round(max, digits) };
}

/** `median (min–max)` of a figure, as the tables print it. */
export const withSpread = (value: { median: number; min: number; max: number }, unit = '') =>
  `${value.median}${unit} (${value.min}–${value.max})`;

/** Prints a table of label, value and target. */
export function printRows(title: string, rows: string[][]): void {
  const width = Math.max(...rows.map(([label]) => label?.length ?? 0));
  console.log(`\n${title}\n`);
  for (const [label, value, target] of rows)
    console.log(`${label?.padEnd(width)}  ${value?.padEnd(30)}  ${target}`);
}
