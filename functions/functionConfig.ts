import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AutoscalerConfig } from '../lib/config/autoscalerConfig.ts';
import { parseConfigText } from '../lib/config/loadConfig.ts';
import { CONFIG_FILE, ENV, requireEnv } from '../lib/environment.ts';

/**
 * The configuration a function runs with, validated as at synth: in Lambda, the file bundled beside
 * the code (`LAMBDA_TASK_ROOT`), read from the local disk, with no call at the start; elsewhere (the
 * tests' runs of a function), the JSON in AUTOSCALER_CONFIG.
 */
export function functionConfig(environment: NodeJS.ProcessEnv = process.env): AutoscalerConfig {
  const taskRoot = environment.LAMBDA_TASK_ROOT;
  if (!taskRoot) return parseConfigText(requireEnv(ENV.config, environment), ENV.config);
  const file = join(taskRoot, CONFIG_FILE);
  return parseConfigText(readFileSync(file, 'utf8'), file);
}
