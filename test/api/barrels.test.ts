import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function barrels(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...barrels(full));
    else if (name === 'index.ts') out.push(full);
  }
  return out;
}

const areas = ['src', 'transforms', 'datasets', 'training'].filter((a) => {
  try {
    return statSync(path.join(root, a)).isDirectory();
  } catch {
    return false;
  }
});
const all = areas.flatMap((a) => barrels(path.join(root, a)));
const wildcard = /^export \* from '([^']+)';$/gm;

describe('barrels', () => {
  it('list their names explicitly: no `export *` anywhere', () => {
    expect(all.length).toBeGreaterThan(5);
    const offending: string[] = [];
    for (const file of all) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(wildcard))
        offending.push(`${path.relative(root, file)}: export * from '${m[1]!}'`);
      if (/^export \* as /m.test(text)) offending.push(`${path.relative(root, file)}: export * as`);
    }
    expect(offending).toEqual([]);
  });

  it('every package.json subpath has types, import and a default condition (CommonJS require on Node >= 20.19)', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, Record<string, string>>;
    };
    for (const [subpath, conditions] of Object.entries(pkg.exports)) {
      expect(Object.keys(conditions), subpath).toEqual(['types', 'import', 'default']);
      expect(conditions.default, subpath).toBe(conditions.import);
    }
  });
});
