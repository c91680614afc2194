import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BundlingOptions, DockerImage } from 'aws-cdk-lib';
import { buildSync } from 'esbuild';

/**
 * How a function's code is made: the local esbuild (no Docker) bundles its entry into minified ESM
 * for Node 24, with code splitting. `index.mjs` holds what the function runs at its start, and each
 * module it loads with `import()` on first use (client-node, octokit) is a chunk beside it, which
 * Node reads and parses only then: in one file, the scaler's start parsed 2 MB it did not run.
 * `files` (name to content) are written beside the code, such as the function's configuration.
 */
export function functionBundling(entry: string, files: Record<string, string> = {}): BundlingOptions {
  const filesHash = createHash('sha256').update(JSON.stringify(files)).digest('hex');
  return {
    // Never pulled: the local bundling always succeeds or throws.
    image: DockerImage.fromRegistry('esbuild-runs-locally'),
    // Tells one function's bundling from another's, and one config's from another's, in CDK's asset cache.
    command: ['esbuild', entry, `files:${filesHash}`],
    local: {
      tryBundle(outputDir) {
        bundleFunction(entry, outputDir);
        for (const [name, content] of Object.entries(files)) writeFileSync(join(outputDir, name), content);
        return true;
      },
    },
  };
}

function bundleFunction(entry: string, outdir: string): void {
  process.stderr.write(`Bundling ${entry}\n`);
  buildSync({
    entryPoints: { index: entry },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    target: 'node24',
    minify: true,
    mainFields: ['module', 'main'],
    // Some bundled CommonJS dependencies call require(); ESM has no require of its own.
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}
