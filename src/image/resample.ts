/**
 * The shared resampler: torch's `grid_sample` (as MONAI calls it) on typed arrays, 2D and 3D,
 * multi-channel, `bilinear`/`nearest`, padding
 * `zeros`/`border`/`reflection`, `align_corners` true/false.
 *
 * Nearest-neighbour ties follow torch 1.13's CPU kernels, which MONAI 1.4's golden outputs show:
 * the vectorised 2D kernel rounds half to even, the generic 3D kernel half away from zero.
 *
 * A {@link SamplingGrid} says, for every output voxel, where to read in the input: each input
 * coordinate is an affine function of per-output-axis "base" coordinates, accumulated in the
 * grid's dtype in torch's order (so that exact .5 ties of nearest-neighbour sampling fall the same
 * way as in MONAI), then optionally scaled and un-normalised exactly as torch's CPU kernels do.
 * Two builders make the grids MONAI makes: {@link affineTransformGrid} (MONAI `AffineTransform`,
 * used by `SpatialResample`/`Spacing`/`Rotate`) and {@link centeredAffineGrid} (MONAI
 * `AffineGrid` + `Resample`, used by `Affine` and the random affine transforms).
 *
 * Pure typed-array code (no Node APIs): runs in browsers too.
 */
import { matmul } from './affine.js';
import type { NumericArray } from './dtype.js';
import { centeredCoords, linspaceFromNegOne } from './linspace.js';
import { type ComputeDType, fmaIn, rounder } from './numerics.js';
import { stridesOf } from './meta-image.js';

/** Interpolation modes of torch `grid_sample`. */
export type GridSampleMode = 'bilinear' | 'nearest';
/** Padding modes of torch `grid_sample`. */
export type GridSamplePadding = 'zeros' | 'border' | 'reflection';
/**
 * Where each output voxel samples the input. Input coordinate `d` of output voxel `j` is
 * `Σ_k matrix[d][k] · base[k][j_k] + matrix[d][n]`, accumulated in `gridDType` over the output axes
 * in `order`, then (in `sampleDType`) multiplied by `preScale[d]` when given, and un-normalised
 * from torch's [-1, 1] convention to an input index.
 */
export interface SamplingGrid {
  /** Output spatial shape. */
  outShape: number[];
  /** Per output axis: the base coordinate of each index along it (already in `gridDType`). */
  base: Float64Array[];
  /** Rows = input spatial axes; columns = output spatial axes, then the translation. */
  matrix: number[][];
  /** Output axes in the order their terms are accumulated (torch's x-first order is reversed). */
  order: number[];
  /** Precision of the coordinate arithmetic. */
  gridDType: ComputeDType;
  /** Whether the accumulation uses fused multiply-adds (BLAS sgemm and dgemm do). */
  fma: boolean;
  /** Per input axis multiplier applied in `sampleDType` before un-normalising (MONAI `Resample` norm_coords). */
  preScale?: number[];
  /** Precision of un-normalisation, padding and interpolation. */
  sampleDType: ComputeDType;
  /** torch `align_corners` of the sampling. */
  alignCorners: boolean;
  /**
   * A dense grid instead of `matrix`/`base`/`order` (elastic deformations, grid distortion): the
   * `coords` of a `DenseGrid` (dense-grid.ts, made a sampling grid by `denseSamplingGrid`), per input
   * axis the coordinate of every output voxel (C order over `outShape`), before `preScale`.
   */
  dense?: Float64Array[];
}

/** Options of {@link gridSample}. */
export interface GridSampleOptions {
  mode?: GridSampleMode;
  paddingMode?: GridSamplePadding;
  /** Output array (Float32Array of C × prod(outShape)); allocated when omitted. */
  out?: Float32Array;
}

/**
 * torch's un-normalisation + padding for one input axis, applied in place to a row of grid values
 * `g` (in the sampling dtype): the vectorised 2D kernel (GridSamplerKernel.cpp) or the generic 3D
 * one (GridSampler.h). Loops are specialised per case (no per-voxel closures).
 */
function unnormalizeRow(
  g: Float64Array,
  len: number,
  size: number,
  ndim: number,
  align: boolean,
  padding: GridSamplePadding,
  dtype: ComputeDType,
): void {
  const f32 = dtype === 'float32';
  const fr = Math.fround;
  const maxVal = size - 1;
  // 1. un-normalise
  if (ndim === 2) {
    if (align) {
      const sf = f32 ? fr((size - 1) / 2) : (size - 1) / 2;
      if (f32) for (let j = 0; j < len; j++) g[j] = fr(fr((g[j] as number) + 1) * sf);
      else for (let j = 0; j < len; j++) g[j] = ((g[j] as number) + 1) * sf;
    } else {
      // `(g + 1) * sf - 0.5`, contracted to a fused multiply-add in torch's AVX2 build
      const sf = f32 ? fr(size / 2) : size / 2;
      if (f32) for (let j = 0; j < len; j++) g[j] = fr(fr((g[j] as number) + 1) * sf - 0.5);
      else for (let j = 0; j < len; j++) g[j] = fmaIn((g[j] as number) + 1, sf, -0.5, 'float64');
    }
  } else if (align) {
    if (f32) for (let j = 0; j < len; j++) g[j] = fr(fr(fr((g[j] as number) + 1) / 2) * maxVal);
    else for (let j = 0; j < len; j++) g[j] = (((g[j] as number) + 1) / 2) * maxVal;
  } else if (f32) for (let j = 0; j < len; j++) g[j] = fr(fr(fr((g[j] as number) + 1) * size) - 1) / 2;
  else for (let j = 0; j < len; j++) g[j] = (((g[j] as number) + 1) * size - 1) / 2;
  if (padding === 'zeros') return;
  // 2. padding
  if (padding === 'border') {
    for (let j = 0; j < len; j++) {
      const x = g[j] as number;
      g[j] = x > maxVal ? maxVal : x > 0 ? x : x === x ? 0 : x;
    }
    return;
  }
  // reflection, then clipping (fmod is exact: it is skipped inside the span, where it is slow in JS)
  if (ndim === 2) {
    if (align) {
      if (size <= 1) {
        g.fill(0, 0, len);
        return;
      }
      const twice = f32 ? fr(2 * (size - 1)) : 2 * (size - 1);
      for (let j = 0; j < len; j++) {
        const absIn = Math.abs(g[j] as number);
        const flips = Math.trunc(f32 ? fr(absIn / twice) : absIn / twice);
        const extra = fmaIn(-flips, twice, absIn, dtype);
        const r = f32 ? fr(twice - extra) : twice - extra;
        const x = extra < r ? extra : r;
        g[j] = x > maxVal ? maxVal : x > 0 ? x : x === x ? 0 : x;
      }
      return;
    }
    const twice = f32 ? fr(2 * size) : 2 * size;
    for (let j = 0; j < len; j++) {
      const absIn = Math.abs(f32 ? fr((g[j] as number) + 0.5) : (g[j] as number) + 0.5);
      const flips = Math.trunc(f32 ? fr(absIn / twice) : absIn / twice);
      const extra = fmaIn(-flips, twice, absIn, dtype);
      const r = f32 ? fr(twice - extra) : twice - extra;
      const x = f32 ? fr((extra < r ? extra : r) - 0.5) : (extra < r ? extra : r) - 0.5;
      g[j] = x > maxVal ? maxVal : x > 0 ? x : x === x ? 0 : x;
    }
    return;
  }
  const twiceLow = align ? 0 : -1;
  const twiceHigh = align ? 2 * (size - 1) : 2 * size - 1;
  if (twiceLow === twiceHigh) {
    g.fill(0, 0, len);
    return;
  }
  const min = twiceLow / 2;
  const span = (twiceHigh - twiceLow) / 2;
  for (let j = 0; j < len; j++) {
    let x: number;
    if (f32) {
      const v = Math.abs(fr((g[j] as number) - min));
      const extra = v < span ? v : fr(v % span);
      const flips = Math.floor(fr(v / span));
      x = (flips & 1) === 0 ? fr(extra + min) : fr(fr(span - extra) + min);
    } else {
      const v = Math.abs((g[j] as number) - min);
      const extra = v < span ? v : v % span;
      const flips = Math.floor(v / span);
      x = (flips & 1) === 0 ? extra + min : span - extra + min;
    }
    g[j] = x > maxVal ? maxVal : x > 0 ? x : x === x ? 0 : x;
  }
}

/** Precomputed, per input axis, how a row's grid values are accumulated. */
interface AxisPlan {
  /** Coefficient of the last (row) output axis. */
  mLast: number;
  /** Whether terms come before the row term in the accumulation order. */
  hasBefore: boolean;
  /** Coefficients of the other output axes accumulated before / after the row term. */
  beforeAxes: number[];
  beforeM: number[];
  afterAxes: number[];
  afterM: number[];
  /** Translation. */
  t: number;
}

function planAxis(grid: SamplingGrid, d: number): AxisPlan {
  const n = grid.outShape.length;
  const last = n - 1;
  const row = grid.matrix[d] as number[];
  const lastPos = grid.order.indexOf(last);
  const plan: AxisPlan = {
    mLast: row[last] as number,
    hasBefore: lastPos > 0,
    beforeAxes: [],
    beforeM: [],
    afterAxes: [],
    afterM: [],
    t: row[n] as number,
  };
  grid.order.forEach((k, p) => {
    if (k === last) return;
    if (p < lastPos) {
      plan.beforeAxes.push(k);
      plan.beforeM.push(row[k] as number);
    } else {
      plan.afterAxes.push(k);
      plan.afterM.push(row[k] as number);
    }
  });
  return plan;
}

/**
 * Fills `dst` with the grid value of input axis `d` for every voxel of one output row, accumulated
 * in the grid dtype in torch's order (fused multiply-adds when `grid.fma`, as BLAS gemm), then scaled by
 * `pre` in the sampling dtype.
 */
function rowCoords(
  grid: SamplingGrid,
  plan: AxisPlan,
  outer: readonly number[],
  dst: Float64Array,
  len: number,
  pre: number | undefined,
): void {
  const baseLast = grid.base[grid.outShape.length - 1] as Float64Array;
  const { mLast, t } = plan;
  const fr = Math.fround;
  const na = plan.afterAxes.length;
  const a0 = na > 0 ? (plan.afterM[0] as number) * 1 : 0;
  const b0 =
    na > 0
      ? ((grid.base[plan.afterAxes[0] as number] as Float64Array)[
          outer[plan.afterAxes[0] as number] as number
        ] as number)
      : 0;
  const a1 = na > 1 ? (plan.afterM[1] as number) : 0;
  const b1 =
    na > 1
      ? ((grid.base[plan.afterAxes[1] as number] as Float64Array)[
          outer[plan.afterAxes[1] as number] as number
        ] as number)
      : 0;
  if (grid.gridDType === 'float32') {
    let before = 0;
    for (let i = 0; i < plan.beforeAxes.length; i++) {
      const k = plan.beforeAxes[i] as number;
      const m = plan.beforeM[i] as number;
      const b = (grid.base[k] as Float64Array)[outer[k] as number] as number;
      before = i === 0 ? fr(m * b) : grid.fma ? fr(m * b + before) : fr(before + fr(m * b));
    }
    const fma = grid.fma;
    const hasBefore = plan.hasBefore;
    for (let j = 0; j < len; j++) {
      const p = mLast * (baseLast[j] as number);
      let acc = hasBefore ? (fma ? fr(p + before) : fr(before + fr(p))) : fr(p);
      if (na > 0) acc = fma ? fr(a0 * b0 + acc) : fr(acc + fr(a0 * b0));
      if (na > 1) acc = fma ? fr(a1 * b1 + acc) : fr(acc + fr(a1 * b1));
      acc = fr(t + acc);
      dst[j] = acc;
    }
  } else if (grid.fma) {
    // BLAS dgemm: one fused multiply-add per term, in the accumulation order
    let before = 0;
    for (let i = 0; i < plan.beforeAxes.length; i++) {
      const k = plan.beforeAxes[i] as number;
      const m = plan.beforeM[i] as number;
      const b = (grid.base[k] as Float64Array)[outer[k] as number] as number;
      before = i === 0 ? m * b : fmaIn(m, b, before, 'float64');
    }
    const hasBefore = plan.hasBefore;
    for (let j = 0; j < len; j++) {
      const bl = baseLast[j] as number;
      let acc = hasBefore ? fmaIn(mLast, bl, before, 'float64') : mLast * bl;
      if (na > 0) acc = fmaIn(a0, b0, acc, 'float64');
      if (na > 1) acc = fmaIn(a1, b1, acc, 'float64');
      dst[j] = t + acc;
    }
  } else {
    let before = 0;
    for (let i = 0; i < plan.beforeAxes.length; i++) {
      const k = plan.beforeAxes[i] as number;
      const v = (plan.beforeM[i] as number) * ((grid.base[k] as Float64Array)[outer[k] as number] as number);
      before = i === 0 ? v : before + v;
    }
    const hasBefore = plan.hasBefore;
    const c0 = a0 * b0;
    const c1 = a1 * b1;
    for (let j = 0; j < len; j++) {
      const p = mLast * (baseLast[j] as number);
      let acc = hasBefore ? before + p : p;
      if (na > 0) acc += c0;
      if (na > 1) acc += c1;
      dst[j] = acc + t;
    }
  }
  if (pre !== undefined) {
    if (grid.sampleDType === 'float32') for (let j = 0; j < len; j++) dst[j] = fr((dst[j] as number) * pre);
    else for (let j = 0; j < len; j++) dst[j] = (dst[j] as number) * pre;
  }
}

/** {@link rowCoords} for a dense grid: reads the row's coordinates of input axis `d`. */
function denseRowCoords(
  grid: SamplingGrid,
  d: number,
  rowOff: number,
  dst: Float64Array,
  len: number,
  pre: number | undefined,
): void {
  const src = (grid.dense as Float64Array[])[d] as Float64Array;
  const f32 = grid.sampleDType === 'float32';
  for (let j = 0; j < len; j++) {
    const acc = src[rowOff + j] as number;
    dst[j] = pre === undefined ? acc : f32 ? Math.fround(acc * pre) : acc * pre;
  }
}

/**
 * Samples `src` (channel-first `[C, ...inSpatial]`, C order) on `grid` (torch `grid_sample`
 * semantics). Returns a Float32Array of shape `[C, ...grid.outShape]` (MONAI's resampling
 * transforms always return float32). 2D and 3D only.
 */
export function gridSample(
  src: NumericArray,
  srcShape: readonly number[],
  grid: SamplingGrid,
  options: GridSampleOptions = {},
): Float32Array {
  const mode = options.mode ?? 'bilinear';
  const padding = options.paddingMode ?? 'zeros';
  const n = srcShape.length - 1;
  if (n !== 2 && n !== 3) throw new RangeError(`gridSample supports 2D and 3D images, got ${n} spatial dims`);
  if (
    grid.outShape.length !== n ||
    (!grid.dense && grid.matrix.length !== n) ||
    (grid.dense && grid.dense.length !== n)
  )
    throw new RangeError('sampling grid and image must have the same number of spatial dims');
  const C = srcShape[0] as number;
  const inSp = srcShape.slice(1) as number[];
  const outSp = grid.outShape;
  const outVox = outSp.reduce((a, b) => a * b, 1);
  const out = options.out ?? new Float32Array(C * outVox);
  if (out.length !== C * outVox) throw new RangeError('output array has the wrong length');
  if (outVox === 0) return out;
  const inVox = inSp.reduce((a, b) => a * b, 1);
  const len = outSp[n - 1] as number;
  const plans = grid.dense ? [] : inSp.map((_, d) => planAxis(grid, d));
  const pre = inSp.map((_, d) => grid.preScale?.[d]);
  if (mode === 'bilinear' && isAxisAligned(grid)) {
    separableLinear(src, C, inSp, grid, plans, pre, padding, out);
    return out;
  }
  const coords = inSp.map(() => new Float64Array(len));
  // per-row tap tables: for each input axis, lower index (clamped), upper index, weights
  const lo = inSp.map(() => new Int32Array(len));
  const hi = inSp.map(() => new Int32Array(len));
  const wl = inSp.map(() => new Float64Array(len));
  const wh = inSp.map(() => new Float64Array(len));
  const idx = new Int32Array(len);
  const valid = new Uint8Array(len);
  const inStr =
    n === 3 ? [(inSp[1] as number) * (inSp[2] as number), inSp[2] as number, 1] : [inSp[1] as number, 1];
  const outerShape = outSp.slice(0, n - 1);
  const outerCount = outerShape.reduce((a, b) => a * b, 1);
  const outer = new Array<number>(n - 1).fill(0);
  const nearest = mode === 'nearest';
  // torch 1.13's CPU kernels: the vectorised 2D one rounds half to even, the generic 3D one uses
  // std::round (half away from zero) — the golden MONAI outputs show both.
  const halfEven = n === 2;
  for (let o = 0; o < outerCount; o++) {
    // multi-index of this row
    let rem = o;
    for (let a = n - 2; a >= 0; a--) {
      outer[a] = rem % (outerShape[a] as number);
      rem = Math.floor(rem / (outerShape[a] as number));
    }
    const rowOff = o * len;
    for (let d = 0; d < n; d++) {
      const cd = coords[d] as Float64Array;
      if (grid.dense) denseRowCoords(grid, d, rowOff, cd, len, pre[d]);
      else rowCoords(grid, plans[d] as AxisPlan, outer, cd, len, pre[d]);
      unnormalizeRow(cd, len, inSp[d] as number, n, grid.alignCorners, padding, grid.sampleDType);
    }
    if (nearest) {
      // index of the nearest input voxel (flat), or -1 (zeros padding, out of bounds)
      idx.fill(0);
      for (let d = 0; d < n; d++) {
        const cd = coords[d] as Float64Array;
        const s = inSp[d] as number;
        const st = inStr[d] as number;
        for (let j = 0; j < len; j++) {
          const x = cd[j] as number;
          let v: number;
          if (halfEven) {
            v = Math.round(x);
            if (v - x === 0.5 && (v & 1) !== 0) v -= 1;
          } else v = x < 0 ? -Math.round(-x) : Math.round(x);
          const cur = idx[j] as number;
          idx[j] = cur < 0 || !(v >= 0 && v < s) ? -1 : cur + v * st;
        }
      }
      for (let c = 0; c < C; c++) {
        const so = c * inVox;
        const oo = c * outVox + rowOff;
        for (let j = 0; j < len; j++) {
          const f = idx[j] as number;
          out[oo + j] = f < 0 ? 0 : (src[so + f] as number);
        }
      }
      continue;
    }
    if (n === 3 && C === 1) {
      // single channel: taps computed inline (no tap tables)
      const cx = coords[0] as Float64Array;
      const cy = coords[1] as Float64Array;
      const cz = coords[2] as Float64Array;
      const [sx, sy, sz] = inSp as [number, number, number];
      const stx = inStr[0] as number;
      const sty = inStr[1] as number;
      for (let j = 0; j < len; j++) {
        const x = cx[j] as number;
        const y = cy[j] as number;
        const z = cz[j] as number;
        if (x !== x || y !== y || z !== z) {
          out[rowOff + j] = 0;
          continue;
        }
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const z0 = Math.floor(z);
        const fx = x - x0;
        const fy = y - y0;
        const fz = z - z0;
        // out-of-bounds taps get weight 0 and the other tap's index (so that NaNs propagate as in
        // torch, which skips them); a voxel with both taps of an axis out of bounds is 0
        const inx0 = x0 >= 0 && x0 < sx;
        const inx1 = x0 + 1 >= 0 && x0 + 1 < sx;
        const iny0 = y0 >= 0 && y0 < sy;
        const iny1 = y0 + 1 >= 0 && y0 + 1 < sy;
        const inz0 = z0 >= 0 && z0 < sz;
        const inz1 = z0 + 1 >= 0 && z0 + 1 < sz;
        if (!(inx0 || inx1) || !(iny0 || iny1) || !(inz0 || inz1)) {
          out[rowOff + j] = 0;
          continue;
        }
        const ax = inx0 ? 1 - fx : 0;
        const bx = inx1 ? fx : 0;
        const ay = iny0 ? 1 - fy : 0;
        const by = iny1 ? fy : 0;
        const az = inz0 ? 1 - fz : 0;
        const bz = inz1 ? fz : 0;
        const ix0 = (inx0 ? x0 : x0 + 1) * stx;
        const ix1 = (inx1 ? x0 + 1 : x0) * stx;
        const iy0 = (iny0 ? y0 : y0 + 1) * sty;
        const iy1 = (iny1 ? y0 + 1 : y0) * sty;
        const iz0 = inz0 ? z0 : z0 + 1;
        const iz1 = inz1 ? z0 + 1 : z0;
        const v0 =
          ay * (az * (src[ix0 + iy0 + iz0] as number) + bz * (src[ix0 + iy0 + iz1] as number)) +
          by * (az * (src[ix0 + iy1 + iz0] as number) + bz * (src[ix0 + iy1 + iz1] as number));
        const v1 =
          ay * (az * (src[ix1 + iy0 + iz0] as number) + bz * (src[ix1 + iy0 + iz1] as number)) +
          by * (az * (src[ix1 + iy1 + iz0] as number) + bz * (src[ix1 + iy1 + iz1] as number));
        out[rowOff + j] = ax * v0 + bx * v1;
      }
      continue;
    }
    // linear: per axis two taps with weights (out-of-bounds taps get weight 0 and the other tap's index)
    valid.fill(1);
    for (let d = 0; d < n; d++) {
      const cd = coords[d] as Float64Array;
      const l = lo[d] as Int32Array;
      const h = hi[d] as Int32Array;
      const a = wl[d] as Float64Array;
      const b = wh[d] as Float64Array;
      const s = inSp[d] as number;
      const st = inStr[d] as number;
      for (let j = 0; j < len; j++) {
        const x = cd[j] as number;
        if (x !== x) {
          valid[j] = 0;
          l[j] = 0;
          h[j] = 0;
          a[j] = 0;
          b[j] = 0;
          continue;
        }
        const x0 = Math.floor(x);
        const fw = x - x0;
        const in0 = x0 >= 0 && x0 < s;
        const in1 = x0 + 1 >= 0 && x0 + 1 < s;
        if (!in0 && !in1) {
          valid[j] = 0;
          l[j] = 0;
          h[j] = 0;
          a[j] = 0;
          b[j] = 0;
          continue;
        }
        l[j] = (in0 ? x0 : x0 + 1) * st;
        h[j] = (in1 ? x0 + 1 : x0) * st;
        a[j] = in0 ? 1 - fw : 0;
        b[j] = in1 ? fw : 0;
      }
    }
    if (n === 3) {
      const [l0, l1, l2] = lo as [Int32Array, Int32Array, Int32Array];
      const [h0, h1, h2] = hi as [Int32Array, Int32Array, Int32Array];
      const [a0, a1, a2] = wl as [Float64Array, Float64Array, Float64Array];
      const [b0, b1, b2] = wh as [Float64Array, Float64Array, Float64Array];
      for (let c = 0; c < C; c++) {
        const so = c * inVox;
        const oo = c * outVox + rowOff;
        for (let j = 0; j < len; j++) {
          const i00 = so + (l0[j] as number);
          const i10 = so + (h0[j] as number);
          const ya = l1[j] as number;
          const yb = h1[j] as number;
          const za = l2[j] as number;
          const zb = h2[j] as number;
          const wa1 = a1[j] as number;
          const wb1 = b1[j] as number;
          const wa2 = a2[j] as number;
          const wb2 = b2[j] as number;
          const v0 =
            wa1 * (wa2 * (src[i00 + ya + za] as number) + wb2 * (src[i00 + ya + zb] as number)) +
            wb1 * (wa2 * (src[i00 + yb + za] as number) + wb2 * (src[i00 + yb + zb] as number));
          const v1 =
            wa1 * (wa2 * (src[i10 + ya + za] as number) + wb2 * (src[i10 + ya + zb] as number)) +
            wb1 * (wa2 * (src[i10 + yb + za] as number) + wb2 * (src[i10 + yb + zb] as number));
          out[oo + j] = valid[j] === 0 ? 0 : (a0[j] as number) * v0 + (b0[j] as number) * v1;
        }
      }
    } else {
      const [l0, l1] = lo as [Int32Array, Int32Array];
      const [h0, h1] = hi as [Int32Array, Int32Array];
      const [a0, a1] = wl as [Float64Array, Float64Array];
      const [b0, b1] = wh as [Float64Array, Float64Array];
      for (let c = 0; c < C; c++) {
        const so = c * inVox;
        const oo = c * outVox + rowOff;
        for (let j = 0; j < len; j++) {
          const r0 = so + (l0[j] as number);
          const r1 = so + (h0[j] as number);
          const ya = l1[j] as number;
          const yb = h1[j] as number;
          const wa1 = a1[j] as number;
          const wb1 = b1[j] as number;
          out[oo + j] =
            valid[j] === 0
              ? 0
              : (a0[j] as number) * (wa1 * (src[r0 + ya] as number) + wb1 * (src[r0 + yb] as number)) +
                (b0[j] as number) * (wa1 * (src[r1 + ya] as number) + wb1 * (src[r1 + yb] as number));
        }
      }
    }
  }
  return out;
}

/** `out[o + k] = a * x[k] + b * y[k]` for k < n (its own function: V8 compiles it apart from the caller's loops). */
function blend(
  out: Float32Array,
  o: number,
  a: number,
  x: Float64Array,
  b: number,
  y: Float64Array,
  n: number,
): void {
  for (let k = 0; k < n; k++) out[o + k] = a * (x[k] as number) + b * (y[k] as number);
}

/**
 * One linear pass along the middle axis of a C-order `[outerN, size, inner]` array (in `data` from
 * `off`) into `res`, `[outerN, m, inner]` (`res` may be longer; the rest is left as it is).
 */
function linearPass(
  data: NumericArray,
  off: number,
  outerN: number,
  size: number,
  inner: number,
  lo: Int32Array,
  hi: Int32Array,
  wl: Float64Array,
  wh: Float64Array,
  res: Float64Array,
): void {
  const m = lo.length;
  if (inner === 1) {
    for (let o = 0, sb = 0, r = 0; o < outerN; o++, sb += size)
      for (let i = 0; i < m; i++, r++)
        res[r] =
          (wl[i] as number) * (data[off + sb + (lo[i] as number)] as number) +
          (wh[i] as number) * (data[off + sb + (hi[i] as number)] as number);
    return;
  }
  for (let o = 0; o < outerN; o++) {
    const sb = off + o * size * inner;
    const rb = o * m * inner;
    for (let i = 0; i < m; i++) {
      const a = wl[i] as number;
      const b = wh[i] as number;
      const pl = sb + (lo[i] as number) * inner;
      const ph = sb + (hi[i] as number) * inner;
      const r = rb + i * inner;
      for (let k = 0; k < inner; k++)
        res[r + k] = a * (data[pl + k] as number) + b * (data[ph + k] as number);
    }
  }
}

/** True when every input axis depends on its own output axis only (a diagonal matrix: the usual Spacing/Resize case). */
function isAxisAligned(grid: SamplingGrid): boolean {
  if (grid.dense) return false;
  return grid.matrix.every((row, d) => row.every((v, k) => k === d || k === row.length - 1 || v === 0));
}

/**
 * Linear interpolation on an axis-aligned grid as three (or two) 1-D passes, last axis first. The
 * per-axis coordinates come from the same {@link rowCoords}/{@link unnormalizeRow} code as the
 * general path and the passes sum in the same grouping (`a·(b·(c·v + …) + …)`, in float64), so the
 * result is bit-identical to the general 8-tap loop, at a fraction of the work.
 */
function separableLinear(
  src: NumericArray,
  C: number,
  inSp: number[],
  grid: SamplingGrid,
  plans: AxisPlan[],
  pre: (number | undefined)[],
  padding: GridSamplePadding,
  out: Float32Array,
): void {
  const n = inSp.length;
  const outSp = grid.outShape;
  const len = outSp[n - 1] as number;
  // per axis: taps, weights and validity along that axis
  const taps = inSp.map((size, d) => {
    const m = outSp[d] as number;
    const cd = new Float64Array(m);
    const row = new Float64Array(len);
    const outer = new Array<number>(n - 1).fill(0);
    if (d === n - 1) rowCoords(grid, plans[d] as AxisPlan, outer, cd, len, pre[d]);
    else
      for (let i = 0; i < m; i++) {
        outer[d] = i;
        rowCoords(grid, plans[d] as AxisPlan, outer, row, 1, pre[d]);
        cd[i] = row[0] as number;
      }
    unnormalizeRow(cd, m, size, n, grid.alignCorners, padding, grid.sampleDType);
    const lo = new Int32Array(m);
    const hi = new Int32Array(m);
    const wl = new Float64Array(m);
    const wh = new Float64Array(m);
    const ok = new Uint8Array(m);
    for (let i = 0; i < m; i++) {
      const x = cd[i] as number;
      if (x !== x) continue;
      const x0 = Math.floor(x);
      const fw = x - x0;
      const in0 = x0 >= 0 && x0 < size;
      const in1 = x0 + 1 >= 0 && x0 + 1 < size;
      if (!in0 && !in1) continue;
      ok[i] = 1;
      lo[i] = in0 ? x0 : x0 + 1;
      hi[i] = in1 ? x0 + 1 : x0;
      wl[i] = in0 ? 1 - fw : 0;
      wh[i] = in1 ? fw : 0;
    }
    let identity = m === size;
    for (let i = 0; identity && i < m; i++)
      identity = ok[i] === 1 && lo[i] === i && wl[i] === 1 && wh[i] === 0;
    return { lo, hi, wl, wh, ok, identity };
  });
  const inVox = inSp.reduce((a, b) => a * b, 1);
  const outVox = outSp.reduce((a, b) => a * b, 1);
  // The passes of the inner axes (last first) act within one slice of axis 0, so they run slice by
  // slice on small float64 buffers (no whole-volume temporaries); the axis-0 pass then combines two
  // such slices per output slice, straight into `out`. Same sums, same order, as whole-volume passes.
  const sliceIn = inSp.slice(1).reduce((a, b) => a * b, 1);
  const sliceOut = outSp.slice(1).reduce((a, b) => a * b, 1);
  const shape = inSp.slice(1);
  const passes: { outerN: number; size: number; inner: number; t: (typeof taps)[number] }[] = [];
  let scratchLen = 0;
  for (let d = n - 1; d >= 1; d--) {
    const t = taps[d] as (typeof taps)[number];
    // an axis sampled exactly on its voxels (same size, integer coordinates) is left as it is
    // (identical for finite values; the general path would turn a 0-weighted ±Infinity into NaN)
    if (t.identity) continue;
    const k = d - 1;
    const outerN = shape.slice(0, k).reduce((a, b) => a * b, 1);
    const inner = shape.slice(k + 1).reduce((a, b) => a * b, 1);
    passes.push({ outerN, size: shape[k] as number, inner, t });
    shape[k] = outSp[d] as number;
    scratchLen = Math.max(scratchLen, outerN * (outSp[d] as number) * inner);
  }
  const scratch = [new Float64Array(scratchLen), new Float64Array(scratchLen)];
  // two resampled slices of axis 0 (the two taps of an output slice), by input index
  const cached = [new Float64Array(sliceOut), new Float64Array(sliceOut)];
  const cachedAt = [-1, -1];
  let base = 0;
  const slice = (x: number, keep: number): Float64Array => {
    if (cachedAt[0] === x) return cached[0] as Float64Array;
    if (cachedAt[1] === x) return cached[1] as Float64Array;
    const v = cachedAt[0] === keep ? 1 : 0;
    const dst = cached[v] as Float64Array;
    cachedAt[v] = x;
    const start = base + x * sliceIn;
    if (passes.length === 0) {
      dst.set(src.subarray(start, start + sliceIn));
      return dst;
    }
    let cur: NumericArray = src;
    let off = start;
    for (let i = 0; i < passes.length; i++) {
      const p = passes[i] as (typeof passes)[number];
      const res = i === passes.length - 1 ? dst : (scratch[i % 2] as Float64Array);
      linearPass(cur, off, p.outerN, p.size, p.inner, p.t.lo, p.t.hi, p.t.wl, p.t.wh, res);
      cur = res;
      off = 0;
    }
    return dst;
  };
  const t0 = taps[0] as (typeof taps)[number];
  for (let c = 0; c < C; c++) {
    base = c * inVox;
    cachedAt.fill(-1);
    const ob = c * outVox;
    if (t0.identity) {
      for (let x = 0; x < (outSp[0] as number); x++) out.set(slice(x, -1), ob + x * sliceOut);
      continue;
    }
    for (let i = 0; i < (outSp[0] as number); i++) {
      const l = t0.lo[i] as number;
      const h = t0.hi[i] as number;
      const sl = slice(l, h);
      const sh = slice(h, l);
      blend(out, ob + i * sliceOut, t0.wl[i] as number, sl, t0.wh[i] as number, sh, sliceOut);
    }
  }
  // voxels where an axis has no in-bounds tap (zeros padding) or a NaN coordinate are 0, as torch
  const oks = taps.map((t) => t.ok);
  if (oks.every((ok) => ok.every((v) => v === 1))) return;
  const strides = stridesOf(outSp);
  for (let v = 0; v < outVox; v++) {
    let good = true;
    for (let d = 0; d < n && good; d++)
      good = (oks[d] as Uint8Array)[Math.floor(v / (strides[d] as number)) % (outSp[d] as number)] === 1;
    if (!good) for (let c = 0; c < C; c++) out[c * outVox + v] = 0;
  }
}

/**
 * MONAI `normalize_transform` for one spatial shape: the (n+1)×(n+1) matrix taking voxel
 * indices to torch's [-1, 1] coordinates (computed in float64, then cast to `dtype`).
 */
export function normalizeTransform(
  shape: readonly number[],
  alignCorners: boolean,
  dtype: ComputeDType = 'float64',
): number[][] {
  const R = rounder(dtype);
  const n = shape.length;
  const m = Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let i = 0; i < n; i++) {
    const s = shape[i] as number;
    const row = m[i] as number[];
    if (alignCorners) {
      const v = s <= 1 ? 2 : s;
      row[i] = R(2 / (v - 1));
      row[n] = -1;
    } else {
      const v = s <= 0 ? 2 : s;
      row[i] = R(2 / v);
      row[n] = R(1 / s - 1);
    }
  }
  return m;
}

/** Inverse of a normalisation matrix (diagonal + translation), as numpy's `linalg.inv` (OpenBLAS) gives it. */
function invertNormalize(m: readonly (readonly number[])[], dtype: ComputeDType): number[][] {
  const R = rounder(dtype);
  const n = m.length - 1;
  const out = Array.from({ length: n + 1 }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let i = 0; i < n; i++) {
    const s = (m[i] as readonly number[])[i] as number;
    const t = (m[i] as readonly number[])[n] as number;
    // numpy inverts in float64 (also for float32 input) with OpenBLAS's triangular solve, which
    // multiplies by the inverted diagonal: -t * (1 / s), not -t / s
    const inv = 1 / s;
    (out[i] as number[])[i] = R(inv);
    (out[i] as number[])[n] = R(-t * inv);
  }
  return out;
}

/**
 * The grid MONAI's `AffineTransform(normalized=False, reverse_indexing=True)` samples: with
 * `alignCorners` false, output voxel index `j` reads input voxel index `xform @ j` (`xform` is
 * (n+1)×(n+1), output index → input index, in MONAI's spatial axis order), through torch's
 * normalised coordinates in `dtype`; with `alignCorners` true MONAI 1.4 mixes conventions (see below).
 */
export function affineTransformGrid(
  xform: readonly (readonly number[])[],
  inShape: readonly number[],
  outShape: readonly number[],
  alignCorners: boolean,
  dtype: ComputeDType,
): SamplingGrid {
  const n = inShape.length;
  const R = rounder(dtype);
  const x = xform.map((r) => r.map((v) => R(v)));
  // MONAI 1.4's AffineTransform normalises theta with align_corners=False whatever its own
  // align_corners (which only reaches affine_grid/grid_sample): with align_corners=True the
  // effective map is i = (X(j·n_out/(n_out−1) − ½) + ½)·(n_in−1)/n_in, as the golden outputs show.
  const sIn = normalizeTransform(inShape, false, dtype);
  const sOutInv = invertNormalize(normalizeTransform(outShape, false, dtype), dtype);
  const theta = matmul(matmul(sIn, x, dtype), sOutInv, dtype);
  return {
    outShape: [...outShape],
    base: outShape.map((s) => linspaceFromNegOne(s, alignCorners, dtype)),
    matrix: theta.slice(0, n).map((r) => r.slice()),
    order: Array.from({ length: n }, (_, i) => n - 1 - i),
    gridDType: dtype,
    // affine_grid's `bmm` goes to BLAS gemm (sgemm and dgemm both fuse multiply-adds)
    fma: true,
    sampleDType: dtype,
    alignCorners,
  };
}

/**
 * The grid MONAI's `AffineGrid` + `Resample(norm_coords=True)` sample: output voxel at centred
 * coordinate `c` (MONAI `create_grid`) reads the input at centred coordinate `affine @ c`.
 * `affine` is (n+1)×(n+1) in MONAI's spatial axis order; it is cast to `gridDType` (float32 in
 * MONAI) and applied there; sampling runs in `sampleDType` (`Affine`: float32, `RandAffine`: float64).
 */
export function centeredAffineGrid(
  affine: readonly (readonly number[])[],
  inShape: readonly number[],
  outShape: readonly number[],
  options: { alignCorners?: boolean; gridDType?: ComputeDType; sampleDType?: ComputeDType } = {},
): SamplingGrid {
  const n = inShape.length;
  const gridDType = options.gridDType ?? 'float32';
  const sampleDType = options.sampleDType ?? 'float32';
  const alignCorners = options.alignCorners ?? false;
  const R = rounder(gridDType);
  let a = affine.map((r) => r.map((v) => R(v)));
  if (alignCorners) {
    const sc = Array.from({ length: n + 1 }, (_, i) =>
      Array.from({ length: n + 1 }, (_, j) => {
        if (i !== j) return 0;
        if (i === n) return 1;
        const d = Math.max(outShape[i] as number, 2);
        return R(d / (d - 1));
      }),
    );
    a = matmul(a, sc, gridDType, gridDType === 'float32');
  }
  const RS = rounder(sampleDType);
  return {
    outShape: [...outShape],
    base: outShape.map((s) => centeredCoords(s)),
    matrix: a.slice(0, n).map((r) => r.slice()),
    order: Array.from({ length: n }, (_, i) => i),
    gridDType,
    fma: gridDType === 'float32',
    preScale: inShape.map((s) => RS(2 / Math.max(2, s))),
    sampleDType,
    alignCorners,
  };
}
