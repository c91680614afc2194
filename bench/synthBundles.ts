import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface FunctionBundle {
  name: 'webhook' | 'scaler';
  path: string;
  bytes: number;
}

/** Synthesizes the example stack and finds each function's bundle: exactly what `cdk deploy` would ship. */
export function synthBundles(outDir: string): FunctionBundle[] {
  execFileSync('node_modules/.bin/cdk', ['synth', '--quiet', '--output', outDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
  });
  const template = JSON.parse(readFileSync(join(outDir, 'EksRunnerAutoscaler.template.json'), 'utf8')) as {
    Resources: Record<
      string,
      { Type: string; Properties: { Code?: { S3Key?: string }; Description?: string } }
    >;
  };
  return Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map((resource) => {
      const name = resource.Properties.Description?.includes('webhook') ? 'webhook' : 'scaler';
      const path = join(
        outDir,
        `asset.${String(resource.Properties.Code?.S3Key).replace('.zip', '')}`,
        'index.mjs',
      );
      return { name, path, bytes: statSync(path).size } as FunctionBundle;
    });
}
