import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedTypesVersions } from '../../scripts/sync-types-versions.js';

describe('package.json typesVersions', () => {
  it('names every exports subpath for node10 resolution (run scripts/sync-types-versions.ts after adding one)', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; import: string; default?: string }>;
      typesVersions: unknown;
      types: string;
    };
    expect(pkg.typesVersions).toEqual(expectedTypesVersions(pkg.exports));
    expect(pkg.types).toBe(pkg.exports['.']!.types);
    for (const [k, c] of Object.entries(pkg.exports)) expect(c.default, k).toBe(c.import);
  });
});
