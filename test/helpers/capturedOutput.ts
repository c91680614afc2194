import { vi } from 'vitest';

/**
 * Collects what is written to stdout and stderr until `restore`: Powertools writes EMF and info logs
 * to stdout, warnings and errors to stderr, and Lambda sends both to CloudWatch Logs.
 */
export function captureOutput() {
  let text = '';
  const collect = (chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(collect),
    vi.spyOn(process.stderr, 'write').mockImplementation(collect),
  ];
  return {
    lines: () => text.split('\n').filter((line) => line.trim().startsWith('{')),
    text: () => text,
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

export interface EmfDatum {
  namespace: string;
  name: string;
  unit: string;
  values: number[];
  dimensions: Record<string, string>;
}

/**
 * Reads CloudWatch embedded metric format documents as CloudWatch Logs would: every metric a
 * document declares, with its values and the dimensions of its dimension set.
 */
export function parseEmf(lines: string[]): EmfDatum[] {
  const data: EmfDatum[] = [];
  for (const line of lines) {
    const document = JSON.parse(line) as Record<string, unknown> & {
      _aws?: {
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string; Unit: string }[];
        }[];
      };
    };
    for (const directive of document._aws?.CloudWatchMetrics ?? []) {
      for (const metric of directive.Metrics) {
        const raw = document[metric.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).map(Number);
        for (const dimensionSet of directive.Dimensions) {
          const dimensions = Object.fromEntries(dimensionSet.map((key) => [key, String(document[key])]));
          data.push({
            namespace: directive.Namespace,
            name: metric.Name,
            unit: metric.Unit,
            values,
            dimensions,
          });
        }
      }
    }
  }
  return data;
}
