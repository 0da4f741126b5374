/**
 * Runs every MONAI 1.4 golden transform case; a case naming a transform we do not export fails. A case listed in
 * test/golden/known-failures.json must still fail (with the reason given there), so a fix is noticed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GOLDEN_DIR, family, loadCases, missingTransforms, runCase } from './support/golden.js';

const cases = loadCases();
const known = JSON.parse(readFileSync(join(GOLDEN_DIR, 'known-failures.json'), 'utf8')) as Record<
  string,
  string
>;
const tally = new Map<string, { pass: number; fail: number; missing: number }>();
const count = (f: string, k: 'pass' | 'fail' | 'missing') => {
  const t = tally.get(f) ?? { pass: 0, fail: 0, missing: 0 };
  t[k]++;
  tally.set(f, t);
};

describe('MONAI 1.4 golden cases', () => {
  for (const c of cases) {
    const missing = missingTransforms(c);
    if (missing.length > 0) {
      it(`${c.id}: transform exists`, () => {
        count(family(c), 'missing');
        expect(missing, `not exported by csc-mlops/transforms: ${missing.join(', ')}`).toEqual([]);
      });
      continue;
    }
    it(`${c.id} (${c.tolerance.class})`, async () => {
      const problems = await runCase(c).catch((e: unknown) => [`threw: ${(e as Error).stack ?? String(e)}`]);
      count(family(c), problems.length === 0 ? 'pass' : 'fail');
      if (known[c.id] !== undefined) {
        expect(problems.length, `${c.id} now passes: remove it from known-failures.json`).toBeGreaterThan(0);
      } else {
        expect(problems, c.description).toEqual([]);
      }
    });
  }

  afterAll(() => {
    const rows = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b));
    const total = rows.reduce(
      (s, [, t]) => ({ pass: s.pass + t.pass, fail: s.fail + t.fail, missing: s.missing + t.missing }),
      {
        pass: 0,
        fail: 0,
        missing: 0,
      },
    );
    const lines = rows.map(
      ([f, t]) => `  ${f.padEnd(34)} pass ${t.pass}  fail ${t.fail}  not implemented ${t.missing}`,
    );
    console.log(
      `golden cases: ${total.pass} pass, ${total.fail} fail, ${total.missing} not implemented (of ${cases.length})\n${lines.join('\n')}` +
        (Object.keys(known).length
          ? `\nknown failures:\n${Object.entries(known)
              .map(([k, v]) => `  ${k}: ${v}`)
              .join('\n')}`
          : ''),
    );
  });
});
