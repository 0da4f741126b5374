/**
 * Keeps package.json "typesVersions" in step with "exports": TypeScript's older `node10` module resolution
 * (tslab notebooks compile with it) does not read "exports", so each subpath's declarations are named
 * again there. Run after adding a subpath: `npx tsx scripts/sync-types-versions.ts` (test/api checks it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const file = path.resolve(import.meta.dirname, '..', 'package.json');
const pkg = JSON.parse(readFileSync(file, 'utf8')) as {
  exports: Record<string, { types: string }>;
  typesVersions?: Record<string, Record<string, string[]>>;
};

/** The "typesVersions" that "exports" implies. */
export function expectedTypesVersions(
  exports: Record<string, { types: string }>,
): Record<string, Record<string, string[]>> {
  const map: Record<string, string[]> = {};
  for (const [subpath, c] of Object.entries(exports))
    if (subpath !== '.') map[subpath.replace(/^\.\//, '')] = [c.types.replace(/^\.\//, '')];
  return { '*': map };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  pkg.typesVersions = expectedTypesVersions(pkg.exports);
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  console.log(`typesVersions: ${Object.keys(pkg.typesVersions['*']!).join(', ')}`);
}
