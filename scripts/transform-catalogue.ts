/**
 * Regenerates datasets/transform-catalogue.ts: for each transform class the transforms barrel
 * exports, an import of the module that defines it (so worker threads evaluate only what their
 * pipeline uses; the imports are literal so that the worker bundle carries every module).
 *
 *   npx tsx scripts/transform-catalogue.ts
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import * as T from '../transforms/index.js';
import { Transform } from '../transforms/transform.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files: string[] = [];
const walk = (d: string): void => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
};
walk(join(ROOT, 'transforms'));
const where = new Map<string, string>();
for (const f of files)
  for (const m of readFileSync(f, 'utf8').matchAll(/^export (?:abstract )?class (\w+)/gm))
    where.set(m[1] as string, `../${relative(ROOT, f).replace(/\.ts$/, '.js')}`);
const lines: string[] = [];
for (const [name, v] of Object.entries(T))
  if (typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof Transform) {
    const w = where.get(name);
    if (!w) throw new Error(`no module defines the exported class ${name}`);
    lines.push(`  ${name}: () => import('${w}'),`);
  }
lines.sort();
const out = join(ROOT, 'datasets/transform-catalogue.ts');
const text = readFileSync(out, 'utf8');
const start = text.indexOf('= {\n') + 4;
const end = text.indexOf('\n};', start);
const next = `${text.slice(0, start)}${lines.join('\n')}${text.slice(end)}`;
writeFileSync(out, await format(next, { ...(await resolveConfig(out)), filepath: out }));
console.log(`${lines.length} transform classes → ${relative(ROOT, out)}`);
