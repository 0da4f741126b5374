/**
 * The random golden cases again, comparing the `applied_operations` trace MONAI recorded (crop boxes,
 * flip decisions, rot90 k, affine matrices, nested class names) with ours: the trace exposes every
 * random parameter, so this checks the draws themselves, not only the resulting pixels.
 */
import { describe, expect, it } from 'vitest';
import { MetaImage } from '../../../src/image/meta-image.js';
import { buildPipeline, caseInput, loadCases } from '../../support/golden.js';

const RANDOM = loadCases().filter(
  (c) =>
    c.seed !== null && c.pipeline.some((p) => p.transform.startsWith('Rand')) && !c.id.startsWith('load_'),
);

/** Drops MONAI's `id` and normalises typed arrays so traces compare as plain JSON. */
function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'id') out[k] = plain(x);
    return out;
  }
  return v;
}

/** Deep comparison with a tolerance on numbers (float32 matrices are recorded exactly; 1e-9 allows float64 round-off). */
function diff(a: unknown, b: unknown, path = ''): string | null {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)) ? null : `${path}: ${a} vs ${b}`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) return `${path}: keys [${ka}] vs [${kb}]`;
    for (const k of ka) {
      const d = diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

describe('random golden cases: applied_operations equal MONAI 1.4', () => {
  it('covers the random cases', () => {
    expect(RANDOM.length).toBeGreaterThanOrEqual(20);
  });
  for (const c of RANDOM) {
    it(c.id, async () => {
      const result = (await buildPipeline(c).apply(caseInput(c))) as
        Record<string, unknown> | Record<string, unknown>[];
      const outs = Array.isArray(c.outputs) ? c.outputs : [c.outputs];
      const results = Array.isArray(result) ? result : [result];
      expect(results.length).toBe(outs.length);
      outs.forEach((o, i) => {
        for (const [key, spec] of Object.entries(o)) {
          if (Array.isArray(spec) || !spec.applied_operations) continue;
          const img = (results[i] as Record<string, unknown>)[key];
          expect(MetaImage.isMetaImage(img)).toBe(true);
          const ours = plain((img as MetaImage).appliedOperations);
          expect(diff(ours, plain(spec.applied_operations), `[${i}].${key}`)).toBeNull();
        }
      });
    });
  }
});
