import { readFileSync } from 'node:fs';
import type * as z from 'zod/mini';
import { ConfigError } from '../errors.ts';
import { type AutoscalerConfig, autoscalerConfigSchema } from './autoscalerConfig.ts';

/** Validates parsed JSON as the autoscaler configuration, or throws a ConfigError naming every bad field. */
export function parseConfig(value: unknown, source = 'configuration'): AutoscalerConfig {
  const result = autoscalerConfigSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(describeIssue).join('\n');
  throw new ConfigError(`${source} is invalid:\n${problems}`);
}

export function parseConfigText(text: string, source = 'configuration'): AutoscalerConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  return parseConfig(value, source);
}

export function loadConfigFile(path: string): AutoscalerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the configuration file ${path} (${(error as NodeJS.ErrnoException).code ?? error}); ` +
        'copy autoscaler.config.example.json to autoscaler.config.json, or pass --config FILE',
    );
  }
  return parseConfigText(text, path);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
    return `  - ${field || '(top level)'}: unknown field ${keys}; check the spelling against autoscaler.config.example.json`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `  - ${field}: is required (expected ${issue.expected})`;
  }
  return `  - ${field || '(top level)'}: ${issue.message}`;
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );
}
