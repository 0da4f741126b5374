import { type NumericArray, allocArray, dtypeOf } from '../../src/image/dtype.js';
import { shapeSize, stridesOf } from '../../src/image/meta-image.js';
import { fail } from '../keyed-errors.js';
import { roundHalfEven } from '../../src/image/numerics.js';

/**
 * Padding modes, with numpy's names and torch's aliases as MONAI accepts them:
 * `constant` (fill with `value`), `edge` = `replicate` (repeat the border voxel), `reflect`
 * (mirror excluding the edge: `[1,2,3]` → `3 2 | 1 2 3 | 2 1`), `symmetric` (mirror including the
 * edge: `2 1 | 1 2 3 | 3 2`), `wrap` = `circular` (periodic), `mean` / `median` (the statistic of
 * each line along the padded axis, numpy's `stat_length=None`).
 */
export type PadMode =
  'constant' | 'edge' | 'replicate' | 'reflect' | 'symmetric' | 'wrap' | 'circular' | 'mean' | 'median';

/**
 * Fill of `constant` padding as numpy's `constant_values`: one value, `[before, after]` for every
 * axis, or one `[before, after]` per axis (the channel axis first); where paddings meet, the later
 * axis' value wins, as numpy.
 */
export type PadValue = number | readonly [number, number] | readonly (readonly [number, number])[];

/** The padding modes {@link padArray} implements. */
export const PAD_MODES: readonly PadMode[] = [
  'constant',
  'edge',
  'replicate',
  'reflect',
  'symmetric',
  'wrap',
  'circular',
  'mean',
  'median',
];

/** Padding before and after each axis: `[[before, after], ...]`. */
export type PadWidth = readonly (readonly [number, number])[];

type CanonicalMode = 'constant' | 'edge' | 'reflect' | 'symmetric' | 'wrap' | 'mean' | 'median';

/**
 * The numpy name of a padding mode (`replicate` → `edge`, `circular` → `wrap`; `zeros` →
 * `constant`). Throws a TransformError naming the supported modes for anything else.
 */
export function canonicalPadMode(mode: string): CanonicalMode {
  const m = String(mode).toLowerCase();
  switch (m) {
    case 'constant':
    case 'zeros':
      return 'constant';
    case 'edge':
    case 'replicate':
      return 'edge';
    case 'reflect':
      return 'reflect';
    case 'symmetric':
      return 'symmetric';
    case 'wrap':
    case 'circular':
      return 'wrap';
    case 'mean':
    case 'median':
      return m;
    default:
      return fail(
        'padArray',
        `padding mode '${mode}' is not supported; use one of ${PAD_MODES.join(', ')} ` +
          "(numpy's linear_ramp/maximum/minimum/empty are not implemented)",
      );
  }
}

/** Index of the source voxel that output position `j` (relative to the source start) copies, or -1. */
function sourceIndex(j: number, n: number, mode: Exclude<CanonicalMode, 'mean' | 'median'>): number {
  if (j >= 0 && j < n) return j;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return j < 0 ? 0 : n - 1;
    case 'reflect': {
      // numpy pads large widths by reflecting repeatedly: a period of 2(n-1) without repeated edges.
      if (n === 1) return 0;
      const p = 2 * (n - 1);
      const r = ((j % p) + p) % p;
      return r < n ? r : p - r;
    }
    case 'symmetric': {
      const p = 2 * n;
      const r = ((j % p) + p) % p;
      return r < n ? r : p - 1 - r;
    }
    case 'wrap':
      return ((j % n) + n) % n;
  }
}

/** Checks a pad width list against a shape; returns `[before[], after[]]` for every axis. */
function normalisePadWidth(shape: readonly number[], padWidth: PadWidth): [number[], number[]] {
  if (padWidth.length > shape.length)
    fail('padArray', `pad width has ${padWidth.length} entries for an array of ${shape.length} dimensions`);
  const before: number[] = [];
  const after: number[] = [];
  for (let ax = 0; ax < shape.length; ax++) {
    const p = padWidth[ax] ?? [0, 0];
    if (!Array.isArray(p) || p.length !== 2)
      fail('padArray', `pad width of axis ${ax} must be a [before, after] pair, got ${JSON.stringify(p)}`);
    for (const v of p)
      if (!Number.isInteger(v) || v < 0)
        fail('padArray', `pad widths must be non-negative integers, got ${JSON.stringify(p)} for axis ${ax}`);
    before.push(p[0]);
    after.push(p[1]);
  }
  return [before, after];
}

/**
 * Pads a C-order array of `shape` by `padWidth` (`[[before, after], ...]` for the leading axes; missing
 * trailing axes are not padded) exactly as `np.pad(x, padWidth, mode)` does, also for widths larger
 * than the axis (numpy's repeated reflection / wrapping). Returns the input array itself when nothing
 * is padded. Synchronous and browser-safe.
 *
 * @example
 * padArray(new Float32Array([1, 2, 3]), [3], [[2, 2]], 'reflect').data; // [3, 2, 1, 2, 3, 2, 1]
 */
export function padArray(
  data: NumericArray,
  shape: readonly number[],
  padWidth: PadWidth,
  mode: PadMode = 'constant',
  value: PadValue = 0,
): { data: NumericArray; shape: number[] } {
  if (shapeSize(shape) !== data.length)
    fail(
      'padArray',
      `array has ${data.length} elements but shape [${shape.join(', ')}] needs ${shapeSize(shape)}`,
    );
  const m = canonicalPadMode(mode);
  const [before, after] = normalisePadWidth(shape, padWidth);
  const outShape = shape.map((s, i) => s + (before[i] as number) + (after[i] as number));
  if (before.every((b) => b === 0) && after.every((a) => a === 0)) return { data, shape: [...shape] };
  if (m === 'mean' || m === 'median' || typeof value !== 'number') {
    if (m !== 'constant' && typeof value !== 'number')
      fail('padArray', `per-axis constant values need mode 'constant', got '${mode}'`);
    return padAxisByAxis(
      data,
      shape,
      before,
      after,
      m === 'mean' || m === 'median' ? statFill(m) : constantFill(value, shape.length),
    );
  }
  const n = shape.length;
  const out = allocArray(dtypeOf(data), shapeSize(outShape));
  if (out.length === 0) return { data: out, shape: outShape };
  if (m !== 'constant')
    for (let ax = 0; ax < n; ax++)
      if (shape[ax] === 0)
        fail(
          'padArray',
          `cannot pad an empty axis (axis ${ax} has size 0) with mode '${mode}'; only 'constant' can`,
        );
  // Per-axis maps from output index to source index (-1: constant fill).
  const maps = outShape.map((len, ax) => {
    const map = new Int32Array(len);
    const b = before[ax] as number;
    const sn = shape[ax] as number;
    for (let j = 0; j < len; j++) map[j] = sourceIndex(j - b, sn, m);
    return map;
  });
  const strides = stridesOf(shape);
  const last = n - 1;
  const inner = outShape[last] as number;
  const lastMap = maps[last] as Int32Array;
  const bLast = before[last] as number;
  const nLast = shape[last] as number;
  const outer = shapeSize(outShape.slice(0, last));
  const idx = new Array<number>(last).fill(0);
  let k = 0;
  for (let o = 0; o < outer; o++) {
    let base = 0;
    let constantRow = false;
    for (let ax = 0; ax < last; ax++) {
      const s = (maps[ax] as Int32Array)[idx[ax] as number] as number;
      if (s < 0) {
        constantRow = true;
        break;
      }
      base += s * (strides[ax] as number);
    }
    if (constantRow) {
      if (value !== 0) out.fill(value, k, k + inner);
    } else {
      for (let i = 0; i < bLast; i++) {
        const s = lastMap[i] as number;
        out[k + i] = s < 0 ? value : (data[base + s] as number);
      }
      out.set(data.subarray(base, base + nLast), k + bLast);
      for (let i = bLast + nLast; i < inner; i++) {
        const s = lastMap[i] as number;
        out[k + i] = s < 0 ? value : (data[base + s] as number);
      }
    }
    k += inner;
    for (let ax = last - 1; ax >= 0; ax--) {
      const next = (idx[ax] as number) + 1;
      if (next < (outShape[ax] as number)) {
        idx[ax] = next;
        break;
      }
      idx[ax] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** What fills the padding of one line along `axis`: from the line's original values and the side. */
type LineFill = (axis: number, side: 0 | 1, line: Float64Array) => number;

function constantFill(value: PadValue, ndim: number): LineFill {
  const pairs: (readonly [number, number])[] =
    typeof value === 'number'
      ? new Array(ndim).fill([value, value])
      : typeof value[0] === 'number'
        ? new Array(ndim).fill(value as readonly [number, number])
        : [...(value as readonly (readonly [number, number])[])];
  if (pairs.length !== ndim || !pairs.every((p) => p.length === 2 && p.every((v) => typeof v === 'number')))
    fail(
      'padArray',
      `constant values must be a number, [before, after], or one [before, after] per axis (${ndim})`,
    );
  return (axis, side) => (pairs[axis] as readonly [number, number])[side];
}

function statFill(mode: 'mean' | 'median'): LineFill {
  return (_axis, _side, line) => {
    if (mode === 'mean') return line.reduce((a, b) => a + b, 0) / line.length;
    const v = Float64Array.from(line).sort();
    const h = v.length >> 1;
    return v.length % 2 ? (v[h] as number) : ((v[h - 1] as number) + (v[h] as number)) / 2;
  };
}

/**
 * numpy's axis-by-axis padding (`np.pad` for `mean`/`median` and per-axis `constant_values`): axis 0
 * first, each later axis padding the already padded array, so corners take the later axis' fill.
 * Integer dtypes get the statistic rounded half to even, as numpy.
 */
function padAxisByAxis(
  data: NumericArray,
  shape: readonly number[],
  before: readonly number[],
  after: readonly number[],
  fill: LineFill,
): { data: NumericArray; shape: number[] } {
  const isInt = !(data instanceof Float32Array || data instanceof Float64Array);
  let cur: NumericArray = data;
  const curShape = [...shape];
  for (let ax = 0; ax < shape.length; ax++) {
    const b = before[ax] as number;
    const a = after[ax] as number;
    if (b === 0 && a === 0) continue;
    const n = curShape[ax] as number;
    if (n === 0) fail('padArray', `cannot pad the empty axis ${ax} with a statistic`);
    const outShape = curShape.map((s, i) => (i === ax ? s + b + a : s));
    const out = allocArray(dtypeOf(data), shapeSize(outShape));
    const inner = shapeSize(curShape.slice(ax + 1));
    const outer = shapeSize(curShape.slice(0, ax));
    const line = new Float64Array(n);
    const m = n + b + a;
    for (let o = 0; o < outer; o++)
      for (let r = 0; r < inner; r++) {
        for (let j = 0; j < n; j++) line[j] = cur[(o * n + j) * inner + r] as number;
        for (let j = 0; j < n; j++) out[(o * m + b + j) * inner + r] = line[j] as number;
        for (const [side, from, to] of [
          [0, 0, b],
          [1, b + n, m],
        ] as const) {
          if (to <= from) continue;
          let v = fill(ax, side, line);
          if (isInt) v = roundHalfEven(v);
          for (let j = from; j < to; j++) out[(o * m + j) * inner + r] = v;
        }
      }
    cur = out;
    curShape[ax] = m;
  }
  return { data: cur, shape: curShape };
}
