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
  /** Absent for 1-D index outputs (FgBgToIndicesd, ClassesToIndicesd), recorded as plain int64 arrays. */
  affine?: number[][];
  meta?: Record<string, unknown>;
  applied_operations?: unknown[];
}

/** One recorded output: an image spec, or a list of specs for a list-valued key (`<id>.<key>.<i>.npy`). */
export type GoldenOutputSpec = GoldenOutput | GoldenOutput[];

/** A pipeline step as recorded: MONAI's transform name and its exact kwargs. */
export interface GoldenStep {
  transform: string;
  args: Record<string, unknown>;
}

export interface GoldenCase {
  id: string;
  description: string;
  /** Wave-2 cases: `w2:<MONAI transform>`. */
  family?: string;
  /** Paths (relative to the golden folder), lists of paths, or number matrices (float64 arrays). */
  data: Record<string, string | string[] | number[][]>;
  reader: string;
  pipeline: GoldenStep[];
  /** Steps run by a second Compose on the pipeline's result (`Invertd` gets the pipeline's Compose). */
  postprocess?: GoldenStep[];
  /** Keys that must not be in the result. */
  absent_keys?: string[];
  seed: number | null;
  outputs: Record<string, GoldenOutputSpec> | Record<string, GoldenOutputSpec>[];
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
  if (c.family !== undefined) return c.family;
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
  return [...c.pipeline, ...(c.postprocess ?? [])]
    .map((p) => p.transform)
    .filter((t) => typeof lib[t] !== 'function');
}

/** What a case's pipeline takes and returns: one item, or a list from a multi-sample crop. */
type Item = Record<string, unknown> | Record<string, unknown>[];

/** Builds a Compose of `steps`; an `Invertd` step is given `pipeline` as its `transform` (MONAI's tutorial pattern). */
function buildCompose(steps: GoldenStep[], pipeline?: T.Compose<Item>): T.Compose<Item> {
  const lib = T as unknown as Record<string, new (o: Record<string, unknown>) => T.Transform>;
  return new T.Compose<Item>(
    steps.map((p) => {
      const Ctor = lib[p.transform];
      if (!Ctor) throw new Error(`transform ${p.transform} is not implemented`);
      const opts: Record<string, unknown> = Object.fromEntries(
        Object.entries(p.args).map(([k, v]) => [camel(k), v]),
      );
      if (p.transform === 'Invertd') {
        if (!pipeline) throw new Error('an Invertd step needs the pipeline to invert');
        opts.transform = pipeline;
      }
      return new Ctor(opts);
    }),
  );
}

/** Builds the case's Compose. */
export function buildPipeline(c: GoldenCase): T.Compose<Item> {
  const compose = buildCompose(c.pipeline);
  if (c.seed !== null) compose.setRandomState(c.seed);
  return compose;
}

/** The case's input item: paths made absolute; a number matrix becomes a float64 array (as MONAI's numpy array). */
export function caseInput(c: GoldenCase): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(c.data).map(([k, v]) => {
      if (typeof v === 'string') return [k, join(GOLDEN_DIR, v)];
      if (v.every((e): e is string => typeof e === 'string')) return [k, v.map((p) => join(GOLDEN_DIR, p))];
      return [k, Float64Array.from((v as number[][]).flat())];
    }),
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

/**
 * Compares an output recorded without affine/meta (MONAI's plain tensor: `ToTensord(track_meta=False)`, or the
 * 1-D int64 indices of FgBgToIndicesd/ClassesToIndicesd) with ours: a MetaImage without meta, or a typed array.
 * int64 has no kernel-usable JavaScript array: our indices are int32 (exact below 2^31 voxels).
 */
async function comparePlain(
  v: unknown,
  out: GoldenOutput,
  tol: { atol: number; rtol: number },
): Promise<string[]> {
  const problems: string[] = [];
  let data: ArrayLike<number>;
  if (MetaImage.isMetaImage(v)) {
    if (v.shape.join() !== out.shape.join()) problems.push(`shape [${v.shape}] vs MONAI [${out.shape}]`);
    if (v.dtype !== out.dtype) problems.push(`dtype ${v.dtype} vs MONAI ${out.dtype}`);
    data = v.data;
  } else if (out.dtype === 'int64' && (v instanceof Int32Array || v instanceof Float64Array)) {
    if (out.shape.length !== 1) problems.push(`1-D indices vs MONAI shape [${out.shape}]`);
    if (!Array.from(v).every((x) => Number.isInteger(x))) problems.push('index output holds non-integers');
    data = v;
  } else return [`output is neither a MetaImage nor an index array (${Object.prototype.toString.call(v)})`];
  if (problems.length > 0) return problems;
  const exp = await readNpy(join(GOLDEN_DIR, out.file));
  const d = compareArrays(data, exp.data, tol.atol, tol.rtol);
  return d ? [`data: ${d}`] : [];
}

/** Compares one recorded output (an image, an index array, or a list of them) with ours. */
export async function compareSpec(
  value: unknown,
  spec: GoldenOutputSpec,
  tol: { atol: number; rtol: number },
): Promise<string[]> {
  if (Array.isArray(spec)) {
    if (!Array.isArray(value)) return [`MONAI returned a list of ${spec.length}, we returned no list`];
    if (value.length !== spec.length) return [`list of ${value.length} vs MONAI ${spec.length}`];
    const problems: string[] = [];
    for (const [i, s] of spec.entries())
      for (const p of await compareSpec(value[i], s, tol)) problems.push(`[${i}] ${p}`);
    return problems;
  }
  if (spec.affine === undefined) return comparePlain(value, spec, tol);
  return compareOutput(value, spec, tol);
}

/** Compares one output image with MONAI's; returns the list of problems. */
export async function compareOutput(
  img: unknown,
  out: GoldenOutput,
  tol: { atol: number; rtol: number },
): Promise<string[]> {
  const problems: string[] = [];
  if (!MetaImage.isMetaImage(img)) return [`output is not a MetaImage`];
  if (out.affine === undefined || out.meta === undefined) return ['the spec has no affine/meta'];
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
      // nested lists (GridPatch's per-patch spatial_shape) compare flattened
      const flat = (x: unknown): number[] =>
        ArrayBuffer.isView(x)
          ? Array.from(x as Float64Array)
          : Array.isArray(x)
            ? x.flatMap(flat)
            : [x as number];
      const d =
        Array.isArray(ours) || ArrayBuffer.isView(ours)
          ? compareArrays(flat(ours), flat(v), GEOMETRY_TOL.atol, GEOMETRY_TOL.rtol)
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
  let result = (await compose.apply(caseInput(c))) as Record<string, unknown> | Record<string, unknown>[];
  if (c.postprocess) result = (await buildCompose(c.postprocess, compose).apply(result)) as typeof result;
  const problems: string[] = [];
  const outs = Array.isArray(c.outputs) ? c.outputs : [c.outputs];
  const results = Array.isArray(result) ? result : [result];
  if (Array.isArray(c.outputs) !== Array.isArray(result) || outs.length !== results.length)
    return [
      `MONAI returned ${outs.length} item(s)${Array.isArray(c.outputs) ? ' (list)' : ''}, we returned ${results.length}`,
    ];
  for (const [i, o] of outs.entries()) {
    const item = results[i] as Record<string, unknown>;
    const at = Array.isArray(c.outputs) ? `[${i}].` : '';
    for (const [key, spec] of Object.entries(o)) {
      if (key === 'inverse') continue; // compared below, after Compose.inverse
      if (!(key in item)) {
        problems.push(`${at}${key}: missing from our result`);
        continue;
      }
      for (const p of await compareSpec(item[key], spec, c.tolerance)) problems.push(`${at}${key}: ${p}`);
    }
    for (const key of c.absent_keys ?? [])
      if (key in item) problems.push(`${at}${key}: present, but MONAI's result has no such key`);
  }
  const inverseSpec = Array.isArray(c.outputs) ? undefined : c.outputs.inverse;
  if (inverseSpec) {
    if (Array.isArray(inverseSpec)) return [...problems, 'inverse spec is a list'];
    const inv = (await compose.inverse(result)) as Record<string, unknown>;
    for (const p of await compareOutput(inv.image, inverseSpec, c.tolerance))
      problems.push(`inverse image: ${p}`);
  }
  return problems;
}
