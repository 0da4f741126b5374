/**
 * torch `nn.functional.interpolate` (CPU, as torch 1.13) on channel-first typed arrays, as MONAI's
 * Resize and Zoom call it: `nearest` (legacy floor of `j·in/out`), `nearest-exact`, `linear` /
 * `bilinear` / `trilinear` (with or without `align_corners`) and `area` (adaptive average
 * pooling). Source indices and weights are computed as torch does (float32 scales), the
 * interpolation itself separably in float64. Pure typed-array code.
 */
import type { NumericArray } from '../../src/image/dtype.js';
import type { InterpolateMode } from './common.js';
import { type ComputeDType, rounder } from '../../src/image/numerics.js';

interface AxisTaps {
  /** Per output index: first source index. */
  i0: Int32Array;
  /** Per output index: second source index (linear) or one past the last (area). */
  i1: Int32Array;
  /** Per output index: weight of i0 (linear). */
  w0: Float64Array;
  /** Per output index: weight of i1 (linear). */
  w1: Float64Array;
}

/** Source index of output `j` for torch's legacy `nearest` (float32 scale, `floorf(j * scale)`). */
export function nearestIndex(j: number, inSize: number, outSize: number): number {
  if (outSize === inSize) return j;
  if (outSize === 2 * inSize) return j >> 1;
  const f = Math.fround;
  const scale = f(inSize / outSize);
  return Math.min(Math.floor(f(j * scale)), inSize - 1);
}

/** Source index of output `j` for torch's `nearest-exact` (`floorf((j + 0.5) * scale)`). */
export function nearestExactIndex(j: number, inSize: number, outSize: number): number {
  const f = Math.fround;
  const scale = f(inSize / outSize);
  return Math.min(Math.floor(f((j + 0.5) * scale)), inSize - 1);
}

function linearTaps(inSize: number, outSize: number, align: boolean, dtype: ComputeDType): AxisTaps {
  const R = rounder(dtype);
  const t: AxisTaps = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    w0: new Float64Array(outSize),
    w1: new Float64Array(outSize),
  };
  let scale: number;
  if (align) scale = outSize > 1 ? R((inSize - 1) / (outSize - 1)) : 0;
  else scale = R(inSize / outSize);
  for (let j = 0; j < outSize; j++) {
    if (outSize === inSize) {
      t.i0[j] = j;
      t.i1[j] = j;
      t.w0[j] = 1;
      t.w1[j] = 0;
      continue;
    }
    let src = align ? R(scale * j) : R(scale * (j + 0.5) - 0.5);
    if (!align && src < 0) src = 0;
    const i0 = Math.trunc(src);
    const off = i0 < inSize - 1 ? 1 : 0;
    const l1 = Math.min(Math.max(R(src - i0), 0), 1);
    t.i0[j] = i0;
    t.i1[j] = i0 + off;
    t.w1[j] = l1;
    t.w0[j] = R(1 - l1);
  }
  return t;
}

function nearestTaps(inSize: number, outSize: number, exact: boolean): AxisTaps {
  const i0 = new Int32Array(outSize);
  for (let j = 0; j < outSize; j++)
    i0[j] = exact ? nearestExactIndex(j, inSize, outSize) : nearestIndex(j, inSize, outSize);
  return { i0, i1: i0, w0: new Float64Array(outSize).fill(1), w1: new Float64Array(outSize) };
}

function areaTaps(inSize: number, outSize: number): AxisTaps {
  const t: AxisTaps = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    w0: new Float64Array(outSize),
    w1: new Float64Array(outSize),
  };
  for (let j = 0; j < outSize; j++) {
    // torch AdaptivePooling.h start_index / end_index (exact integer arithmetic)
    const start = Math.floor((j * inSize) / outSize);
    const end = Math.ceil(((j + 1) * inSize) / outSize);
    t.i0[j] = start;
    t.i1[j] = end;
    t.w0[j] = 1 / (end - start);
  }
  return t;
}

/** Applies one axis of taps to `src` viewed as [outer, len, inner] → [outer, outLen, inner]. */
function passAxis(
  src: ArrayLike<number>,
  outer: number,
  len: number,
  inner: number,
  taps: AxisTaps,
  mode: 'linear' | 'nearest' | 'area',
): Float64Array {
  const outLen = taps.i0.length;
  const dst = new Float64Array(outer * outLen * inner);
  for (let o = 0; o < outer; o++) {
    const sBase = o * len * inner;
    const dBase = o * outLen * inner;
    for (let j = 0; j < outLen; j++) {
      const d = dBase + j * inner;
      const a = taps.i0[j] as number;
      if (mode === 'nearest') {
        const s = sBase + a * inner;
        for (let r = 0; r < inner; r++) dst[d + r] = src[s + r] as number;
      } else if (mode === 'linear') {
        const s0 = sBase + a * inner;
        const s1 = sBase + (taps.i1[j] as number) * inner;
        const w0 = taps.w0[j] as number;
        const w1 = taps.w1[j] as number;
        if (w1 === 0) for (let r = 0; r < inner; r++) dst[d + r] = w0 * (src[s0 + r] as number);
        else
          for (let r = 0; r < inner; r++)
            dst[d + r] = w0 * (src[s0 + r] as number) + w1 * (src[s1 + r] as number);
      } else {
        const b = taps.i1[j] as number;
        const inv = taps.w0[j] as number;
        for (let r = 0; r < inner; r++) {
          let acc = 0;
          for (let k = a; k < b; k++) acc += src[sBase + k * inner + r] as number;
          dst[d + r] = acc * inv;
        }
      }
    }
  }
  return dst;
}

/**
 * torch `interpolate(input[None], size=outSize, mode, align_corners)[0]` for a channel-first array
 * `[C, ...spatial]` (1–3 spatial dims). `linear`/`bilinear`/`trilinear` need 1/2/3 spatial dims, as
 * torch. Returns a new Float64Array `[C, ...outSize]`.
 */
export function interpolate(
  src: NumericArray,
  shape: readonly number[],
  outSize: readonly number[],
  mode: InterpolateMode,
  alignCorners: boolean | null = null,
  dtype: ComputeDType = 'float32',
): Float64Array {
  const sp = shape.slice(1);
  const n = sp.length;
  if (outSize.length !== n)
    throw new RangeError(`output size has ${outSize.length} dims, the image ${n} spatial dims`);
  const need = { linear: 1, bilinear: 2, trilinear: 3 } as Record<string, number>;
  if (mode in need && need[mode] !== n)
    throw new RangeError(
      `mode '${mode}' needs ${need[mode]} spatial dim(s) but the image has ${n} (use ${['linear', 'bilinear', 'trilinear'][n - 1] ?? 'area'})`,
    );
  if (alignCorners !== null && !(mode in need))
    throw new RangeError(`align_corners only applies to linear modes, not '${mode}'`);
  let cur: ArrayLike<number> = src;
  const C = shape[0] as number;
  const curShape = [...sp];
  for (let ax = 0; ax < n; ax++) {
    const len = curShape[ax] as number;
    const outLen = outSize[ax] as number;
    const outer = C * curShape.slice(0, ax).reduce((a, b) => a * b, 1);
    const inner = curShape.slice(ax + 1).reduce((a, b) => a * b, 1);
    let taps: AxisTaps;
    let kind: 'linear' | 'nearest' | 'area';
    if (mode === 'nearest' || mode === 'nearest-exact') {
      taps = nearestTaps(len, outLen, mode === 'nearest-exact');
      kind = 'nearest';
    } else if (mode === 'area') {
      taps = areaTaps(len, outLen);
      kind = 'area';
    } else {
      taps = linearTaps(len, outLen, alignCorners ?? false, dtype);
      kind = 'linear';
    }
    if (outLen === len && kind !== 'linear' && (kind === 'area' || mode === 'nearest')) {
      // identity along this axis
      if (cur === src) cur = Float64Array.from(src as ArrayLike<number>);
      continue;
    }
    cur = passAxis(cur, outer, len, inner, taps, kind);
    curShape[ax] = outLen;
  }
  return cur instanceof Float64Array && cur !== (src as unknown) ? cur : Float64Array.from(cur);
}
