/**
 * The golden-case harness: builds a case's MONAI pipeline from our transforms (snake_case args
 * mapped to camelCase options), runs it and compares every output with MONAI 1.4's.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { affineToRows } from '../../src/image/affine.js';
import { MetaImage } from '../../src/image/meta-image.js';
import { readNpy } from '../../src/io/numpy.js';
import * as T from '../../transforms/index.js';

export const GOLDEN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../golden');

export interface GoldenOutput {
  file: string;
  dtype: string;
  shape: number[];
  affine: number[][];
  meta: Record<string, unknown>;
  applied_operations?: unknown[];
}

export interface GoldenCase {
  id: string;
  description: string;
  data: Record<string, string | string[]>;
  reader: string;
  pipeline: { transform: string; args: Record<string, unknown> }[];
  seed: number | null;
  outputs: Record<string, GoldenOutput> | Record<string, GoldenOutput>[];
  tolerance: { atol: number; rtol: number; class: string };
}

/** The transform-pipeline cases (no `kind`); loss, metric, inferer and datalist cases have their own harness. */
export function loadCases(): GoldenCase[] {
  const all = JSON.parse(readFileSync(join(GOLDEN_DIR, 'cases.json'), 'utf8')) as (GoldenCase & {
    kind?: string;
  })[];
  return all.filter((c) => c.kind === undefined);
}

/** Family of a case, for per-family pass counts: the id up to its first distinguishing word. */
export function family(c: GoldenCase): string {
  const steps = c.pipeline
    .map((p) => p.transform)
    .filter((t) => t !== 'LoadImaged' && t !== 'EnsureChannelFirstd');
  if (c.id.startsWith('inverse_')) return 'inverse';
  if (c.id.startsWith('pipe_')) return 'pipeline';
  if (steps.length === 0) return c.reader === 'PydicomReader' ? 'load-dicom' : 'load-nifti';
  return steps[steps.length - 1] as string;
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());

/** Transform names used by a case that our transforms barrel does not export yet. */
export function missingTransforms(c: GoldenCase): string[] {
  const lib = T as unknown as Record<string, unknown>;
  return c.pipeline.map((p) => p.transform).filter((t) => typeof lib[t] !== 'function');
}

/** Builds the case's Compose. */
export function buildPipeline(c: GoldenCase): T.Compose {
  const lib = T as unknown as Record<string, new (o: Record<string, unknown>) => T.Transform>;
  const steps = c.pipeline.map((p) => {
    const Ctor = lib[p.transform];
    if (!Ctor) throw new Error(`transform ${p.transform} is not implemented`);
    const opts = Object.fromEntries(Object.entries(p.args).map(([k, v]) => [camel(k), v]));
    return new Ctor(opts);
  });
  const compose = new T.Compose(steps);
  if (c.seed !== null) compose.setRandomState(c.seed);
  return compose;
}

/** The case's input item with absolute paths. */
export function caseInput(c: GoldenCase): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(c.data).map(([k, v]) => [
      k,
      Array.isArray(v) ? v.map((p) => join(GOLDEN_DIR, p)) : join(GOLDEN_DIR, v),
    ]),
  );
}

/** numpy `allclose`-style comparison; returns a description of the worst mismatch or null. */
export function compareArrays(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol: number,
): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  let bad = 0;
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    const err = Math.abs(a - e);
    if (!(err <= atol + rtol * Math.abs(e))) {
      bad++;
      if (!(err <= worstErr)) {
        worstErr = err;
        worst = i;
      }
    }
  }
  if (bad === 0) return null;
  return `${bad} of ${actual.length} values differ; worst at ${worst}: ${actual[worst]} vs ${expected[worst]}`;
}

/** Tolerance for affines and float meta: geometry is float64; allow float64 round-off only. */
export const GEOMETRY_TOL = { atol: 1e-9, rtol: 1e-9 };

/** Compares one output image with MONAI's; returns the list of problems. */
export async function compareOutput(
  img: unknown,
  out: GoldenOutput,
  tol: { atol: number; rtol: number },
): Promise<string[]> {
  const problems: string[] = [];
  if (!MetaImage.isMetaImage(img)) return [`output is not a MetaImage`];
  const exp = await readNpy(join(GOLDEN_DIR, out.file));
  if (img.shape.join() !== out.shape.join()) problems.push(`shape [${img.shape}] vs MONAI [${out.shape}]`);
  if (img.dtype !== out.dtype) problems.push(`dtype ${img.dtype} vs MONAI ${out.dtype}`);
  if (problems.length === 0) {
    const d = compareArrays(img.data, exp.data, tol.atol, tol.rtol);
    if (d) problems.push(`data: ${d}`);
  }
  const aff = compareArrays(img.affine, out.affine.flat(), GEOMETRY_TOL.atol, GEOMETRY_TOL.rtol);
  if (aff)
    problems.push(
      `affine: ${aff}\n  ours ${JSON.stringify(affineToRows(img.affine))}\n  MONAI ${JSON.stringify(out.affine)}`,
    );
  for (const [k, v] of Object.entries(out.meta)) {
    const ours = img.meta[k];
    if (k === 'original_affine') {
      const d =
        ours instanceof Float64Array
          ? compareArrays(ours, (v as number[][]).flat(), GEOMETRY_TOL.atol, GEOMETRY_TOL.rtol)
          : 'missing';
      if (d) problems.push(`meta.original_affine: ${d}`);
    } else if (Array.isArray(v)) {
      const d =
        Array.isArray(ours) || ArrayBuffer.isView(ours)
          ? compareArrays(ours as ArrayLike<number>, v as number[], GEOMETRY_TOL.atol, GEOMETRY_TOL.rtol)
          : 'missing';
      if (d)
        problems.push(
          `meta.${k}: ${d} (ours ${JSON.stringify(Array.from((ours as number[]) ?? []))}, MONAI ${JSON.stringify(v)})`,
        );
    } else if (ours !== v) problems.push(`meta.${k}: ${JSON.stringify(ours)} vs MONAI ${JSON.stringify(v)}`);
  }
  return problems;
}

/** Runs a case end to end; returns the problems found (empty = pass). */
export async function runCase(c: GoldenCase): Promise<string[]> {
  const compose = buildPipeline(c);
  const result = (await compose.apply(caseInput(c))) as Record<string, unknown> | Record<string, unknown>[];
  const problems: string[] = [];
  const outs = Array.isArray(c.outputs) ? c.outputs : [c.outputs];
  const results = Array.isArray(result) ? result : [result];
  if (Array.isArray(c.outputs) !== Array.isArray(result) || outs.length !== results.length)
    return [
      `MONAI returned ${outs.length} item(s)${Array.isArray(c.outputs) ? ' (list)' : ''}, we returned ${results.length}`,
    ];
  for (const [i, o] of outs.entries())
    for (const [key, spec] of Object.entries(o)) {
      if (key === 'inverse') continue; // compared below, after Compose.inverse
      for (const p of await compareOutput((results[i] as Record<string, unknown>)[key], spec, c.tolerance))
        problems.push(`${Array.isArray(c.outputs) ? `[${i}].` : ''}${key}: ${p}`);
    }
  const inverseSpec = Array.isArray(c.outputs) ? undefined : c.outputs.inverse;
  if (inverseSpec) {
    const inv = (await compose.inverse(result)) as Record<string, unknown>;
    for (const p of await compareOutput(inv.image, inverseSpec, c.tolerance))
      problems.push(`inverse image: ${p}`);
  }
  return problems;
}
