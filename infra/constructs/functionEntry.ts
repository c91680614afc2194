import { findPackageJSON } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The source of one of the functions under `functions/`. It is found from the package root, not from
 * this file: the construct runs from `infra/` here and from the compiled `dist/infra/` where the
 * package is installed, and the TypeScript sources sit at the root in both.
 */
export function functionEntry(name: string): string {
  const packageJson = findPackageJSON(import.meta.url);
  if (!packageJson) throw new Error(`no package.json above ${import.meta.url}`);
  return join(dirname(packageJson), 'functions', `${name}.ts`);
}
