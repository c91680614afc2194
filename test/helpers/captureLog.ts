import type { Log } from '../../lib/ports.ts';

export interface LogLine {
  level: string;
  message: string;
  attributes: Record<string, unknown>;
}

/** A Log that keeps every line, for asserting what was logged. */
export function captureLog(): Log & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const write =
    (level: string) =>
    (message: string, attributes: Record<string, unknown> = {}) => {
      lines.push({ level, message, attributes });
    };
  return {
    lines,
    text: () => lines.map((line) => JSON.stringify(line)).join('\n'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}
