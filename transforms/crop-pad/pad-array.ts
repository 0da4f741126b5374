import { type NumericArray, allocArray, dtypeOf } from '../../src/image/dtype.js';
import { shapeSize, stridesOf } from '../../src/image/meta-image.js';
import { fail } from '../keyed-errors.js';

/**
 * Padding modes, with numpy's names and torch's aliases as MONAI accepts them:
 * `constant` (fill with `value`), `edge` = `replicate` (repeat the border voxel), `reflect`
 * (mirror excluding the edge: `[1,2,3]` → `3 2 | 1 2 3 | 2 1`), `symmetric` (mirror including the
 * edge: `2 1 | 1 2 3 | 3 2`), `wrap` = `circular` (periodic).
 */
export type PadMode = 'constant' | 'edge' | 'replicate' | 'reflect' | 'symmetric' | 'wrap' | 'circular';

/** The padding modes {@link padArray} implements. */
export const PAD_MODES: readonly PadMode[] = [
  'constant',
  'edge',
  'replicate',
  'reflect',
  'symmetric',
  'wrap',
  'circular',
];

/** Padding before and after each axis: `[[before, after], ...]`. */
export type PadWidth = readonly (readonly [number, number])[];

type CanonicalMode = 'constant' | 'edge' | 'reflect' | 'symmetric' | 'wrap';

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
    default:
      return fail(
        'padArray',
        `padding mode '${mode}' is not supported; use one of ${PAD_MODES.join(', ')} ` +
          "(numpy's linear_ramp/maximum/mean/median/minimum/empty are not implemented)",
      );
  }
}

/** Index of the source voxel that output position `j` (relative to the source start) copies, or -1. */
function sourceIndex(j: number, n: number, mode: CanonicalMode): number {
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
  value = 0,
): { data: NumericArray; shape: number[] } {
  if (shapeSize(shape) !== data.length)
    fail(
      'padArray',
      `array has ${data.length} elements but shape [${shape.join(', ')}] needs ${shapeSize(shape)}`,
    );
  const m = canonicalPadMode(mode);
  const [before, after] = normalisePadWidth(shape, padWidth);
  if (typeof value !== 'number') fail('padArray', `constant value must be a number, got ${String(value)}`);
  const outShape = shape.map((s, i) => s + (before[i] as number) + (after[i] as number));
  if (before.every((b) => b === 0) && after.every((a) => a === 0)) return { data, shape: [...shape] };
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
