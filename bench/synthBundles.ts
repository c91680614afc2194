import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MEASURED = ['webhook', 'scaler'] as const;

export interface FunctionBundle {
  name: (typeof MEASURED)[number];
  /** The module Lambda imports at init; the chunks it loads on first use sit beside it. */
  path: string;
  /** All the bundle's files: what the deploy ships. */
  bytes: number;
}

/**
 * Synthesizes the example stack and finds the webhook's and the scaler's bundles: exactly what
 * `cdk deploy` would ship. A function is known by its description, "eks-runner-autoscaler NAME: …".
 */
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
  return Object.values(template.Resources).flatMap((resource) => {
    const name = MEASURED.find((candidate) =>
      resource.Properties.Description?.startsWith(`eks-runner-autoscaler ${candidate}:`),
    );
    if (resource.Type !== 'AWS::Lambda::Function' || !name) return [];
    const directory = join(outDir, `asset.${String(resource.Properties.Code?.S3Key).replace('.zip', '')}`);
    const bytes = readdirSync(directory).reduce((sum, file) => sum + statSync(join(directory, file)).size, 0);
    return [{ name, path: join(directory, 'index.mjs'), bytes }];
  });
}
