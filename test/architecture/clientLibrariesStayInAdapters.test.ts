import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const LIB = join(import.meta.dirname, '../../lib');
const ADAPTERS = join(LIB, 'adapters');

/** The clients of outside systems: only their adapters may speak their models. */
const CLIENT_LIBRARIES = [
  '@kubernetes/client-node',
  '@octokit/core',
  '@octokit/auth-app',
  '@aws-sdk/',
  '@smithy/',
];

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function importsOf(source: string): string[] {
  const specifiers = source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g);
  return [...specifiers].map(([, specifier]) => specifier ?? '');
}

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the core outside lib/adapters', () => {
  it('finds the imports of a file', () => {
    // Prepare: the forms an import of a client can take.
    const source = [
      "import type { V1Pod } from '@kubernetes/client-node';",
      'export { CoreV1Api } from "@kubernetes/client-node";',
      "const client = await import('@octokit/core');",
      "import '@smithy/signature-v4';",
    ].join('\n');

    // Act
    const imports = importsOf(source);

    // Assess
    expect(imports).toEqual([
      '@kubernetes/client-node',
      '@kubernetes/client-node',
      '@octokit/core',
      '@smithy/signature-v4',
    ]);
  });

  it('imports no client library of an outside system, not even its types', () => {
    // Prepare
    const coreFiles = typeScriptFiles(LIB).filter((file) => !file.startsWith(`${ADAPTERS}/`));

    // Act
    const offending = coreFiles.flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((specifier) => CLIENT_LIBRARIES.some((client) => specifier.startsWith(client)))
        .map((specifier) => `${relative(LIB, file)} imports ${specifier}`),
    );

    // Assess
    expect(coreFiles.length).toBeGreaterThan(50);
    expect(offending).toEqual([]);
  });
});
