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
import type { NumericArray } from './dtype.js';

/** Interpolation modes of torch `grid_sample`. */
export type GridSampleMode = 'bilinear' | 'nearest';
/** Padding modes of torch `grid_sample`. */
export type GridSamplePadding = 'zeros' | 'border' | 'reflection';
/** Floating-point precision of a computation (MONAI's `dtype` argument of resampling transforms). */
export type ComputeDType = 'float32' | 'float64';

/** Rounds half to even (numpy `round`, C `nearbyint`, torch's vectorised `round`). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Rounds half away from zero (C `std::round`, Python 2 `round`). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

const identity = (x: number): number => x;

/** The rounding function of a dtype: `Math.fround` for float32, identity for float64. */
export function rounder(dtype: ComputeDType): (x: number) => number {
  return dtype === 'float32' ? Math.fround : identity;
}

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
  /** Whether the accumulation uses fused multiply-adds (BLAS sgemm does). */
  fma: boolean;
  /** Per input axis multiplier applied in `sampleDType` before un-normalising (MONAI `Resample` norm_coords). */
  preScale?: number[];
  /** Precision of un-normalisation, padding and interpolation. */
  sampleDType: ComputeDType;
  /** torch `align_corners` of the sampling. */
  alignCorners: boolean;
}

/** Options of {@link gridSample}. */
export interface GridSampleOptions {
  mode?: GridSampleMode;
  paddingMode?: GridSamplePadding;
  /** Output array (Float32Array of C × prod(outShape)); allocated when omitted. */
  out?: Float32Array;
}

interface AxisSampler {
  (g: number): number;
}

/** torch's un-normalisation + padding for one input axis, in the sampling dtype. */
function makeAxisSampler(size: number, ndim: number, align: boolean, padding: GridSamplePadding, dtype: ComputeDType): AxisSampler {
  const R = rounder(dtype);
  const maxVal = size - 1;
  const clip = (x: number): number => Math.min(maxVal, Math.max(x, 0));
  let unnorm: (g: number) => number;
  if (ndim === 2) {
    // vectorised 2D CPU kernel (GridSamplerKernel.cpp ComputeLocationBase)
    if (align) {
      const sf = R((size - 1) / 2);
      unnorm = (g) => R(R(g + 1) * sf);
    } else {
      // `(g + 1) * sf - 0.5`, contracted to a fused multiply-add in torch's AVX2 build
      const sf = R(size / 2);
      unnorm = (g) => fmaIn(R(g + 1), sf, -0.5, dtype);
    }
  } else if (align) {
    // generic kernel (GridSampler.h grid_sampler_unnormalize)
    unnorm = (g) => R(R(R(g + 1) / 2) * (size - 1));
  } else {
    unnorm = (g) => R(R(R(R(g + 1) * size) - 1) / 2);
  }
  if (padding === 'zeros') return unnorm;
  if (padding === 'border') return (g) => clip(unnorm(g));
  // reflection
  if (ndim === 2) {
    if (align) {
      if (size <= 1) return () => 0;
      const twice = R(2 * (size - 1));
      return (g) => {
        const absIn = Math.abs(unnorm(g));
        const flips = Math.trunc(R(absIn / twice));
        const extra = fmaIn(-flips, twice, absIn, dtype);
        return clip(Math.min(extra, R(twice - extra)));
      };
    }
    const twice = R(2 * size);
    return (g) => {
      const absIn = Math.abs(R(unnorm(g) + 0.5));
      const flips = Math.trunc(R(absIn / twice));
      const extra = fmaIn(-flips, twice, absIn, dtype);
      return clip(R(Math.min(extra, R(twice - extra)) - 0.5));
    };
  }
  const twiceLow = align ? 0 : -1;
  const twiceHigh = align ? 2 * (size - 1) : 2 * size - 1;
  if (twiceLow === twiceHigh) return () => 0;
  const min = R(twiceLow / 2);
  const span = R((twiceHigh - twiceLow) / 2);
  return (g) => {
    const v = Math.abs(R(unnorm(g) - min));
    const extra = R(v % span);
    const flips = Math.floor(R(v / span));
    return clip(flips % 2 === 0 ? R(extra + min) : R(R(span - extra) + min));
  };
}

/**
 * Fills `dst` with the sampled input coordinate of input axis `d` for every voxel of one output
 * row (the last output axis), given the other output indices `outer` (length n-1).
 */
function rowCoords(grid: SamplingGrid, d: number, outer: readonly number[], dst: Float64Array, sampler: AxisSampler, pre: number | undefined): void {
  const n = grid.outShape.length;
  const last = n - 1;
  const row = grid.matrix[d] as number[];
  const len = grid.outShape[last] as number;
  const baseLast = grid.base[last] as Float64Array;
  const mLast = row[last] as number;
  const t = row[n] as number;
  const RS = rounder(grid.sampleDType);
  const f32 = grid.gridDType === 'float32';
  const order = grid.order;
  // terms that do not vary along the row, in accumulation order, split around the varying one
  const lastPos = order.indexOf(last);
  const before: number[] = [];
  const after: number[] = [];
  for (let p = 0; p < n; p++) {
    const k = order[p] as number;
    if (k === last) continue;
    const term = [row[k] as number, (grid.base[k] as Float64Array)[outer[k] as number] as number];
    (p < lastPos ? before : after).push(term[0] as number, term[1] as number);
  }
  if (!f32) {
    // float64, sequential (non-fused) accumulation
    let pre0 = 0;
    let first = true;
    for (let i = 0; i < before.length; i += 2) {
      const v = (before[i] as number) * (before[i + 1] as number);
      pre0 = first ? v : pre0 + v;
      first = false;
    }
    for (let j = 0; j < len; j++) {
      const v = mLast * (baseLast[j] as number);
      let acc = first ? v : pre0 + v;
      for (let i = 0; i < after.length; i += 2) acc += (after[i] as number) * (after[i + 1] as number);
      acc += t;
      dst[j] = sampler(pre === undefined ? acc : RS(acc * pre));
    }
    return;
  }
  const R = Math.fround;
  const fma = grid.fma;
  const add = fma ? (a: number, b: number, c: number) => R(a * b + c) : (a: number, b: number, c: number) => R(c + R(a * b));
  let pre0 = 0;
  let first = true;
  for (let i = 0; i < before.length; i += 2) {
    pre0 = first ? R((before[i] as number) * (before[i + 1] as number)) : add(before[i] as number, before[i + 1] as number, pre0);
    first = false;
  }
  for (let j = 0; j < len; j++) {
    let acc = first ? R(mLast * (baseLast[j] as number)) : add(mLast, baseLast[j] as number, pre0);
    for (let i = 0; i < after.length; i += 2) acc = add(after[i] as number, after[i + 1] as number, acc);
    acc = add(t, 1, acc);
    dst[j] = sampler(pre === undefined ? acc : RS(acc * pre));
  }
}

/**
 * Samples `src` (channel-first `[C, ...inSpatial]`, C order) on `grid` (torch `grid_sample`
 * semantics). Returns a Float32Array of shape `[C, ...grid.outShape]` (MONAI's resampling
 * transforms always return float32). 2D and 3D only.
 */
export function gridSample(src: NumericArray, srcShape: readonly number[], grid: SamplingGrid, options: GridSampleOptions = {}): Float32Array {
  const mode = options.mode ?? 'bilinear';
  const padding = options.paddingMode ?? 'zeros';
  const n = srcShape.length - 1;
  if (n !== 2 && n !== 3) throw new RangeError(`gridSample supports 2D and 3D images, got ${n} spatial dims`);
  if (grid.outShape.length !== n || grid.matrix.length !== n)
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
  const samplers = inSp.map((s) => makeAxisSampler(s, n, grid.alignCorners, padding, grid.sampleDType));
  const pre = inSp.map((_, d) => grid.preScale?.[d]);
  const coords = inSp.map(() => new Float64Array(len));
  // per-row tap tables: for each input axis, lower index (clamped), upper index, weights
  const lo = inSp.map(() => new Int32Array(len));
  const hi = inSp.map(() => new Int32Array(len));
  const wl = inSp.map(() => new Float64Array(len));
  const wh = inSp.map(() => new Float64Array(len));
  const valid = new Uint8Array(len);
  const inStr = n === 3 ? [(inSp[1] as number) * (inSp[2] as number), inSp[2] as number, 1] : [inSp[1] as number, 1];
  const outerShape = outSp.slice(0, n - 1);
  const outerCount = outerShape.reduce((a, b) => a * b, 1);
  const outer = new Array<number>(n - 1).fill(0);
  const nearest = mode === 'nearest';
  // torch 1.13's CPU kernels: the vectorised 2D one rounds half to even, the generic 3D one uses
  // std::round (half away from zero) — the golden MONAI outputs show both.
  const roundNearest = n === 2 ? roundHalfEven : roundHalfAway;
  for (let o = 0; o < outerCount; o++) {
    // multi-index of this row
    let rem = o;
    for (let a = n - 2; a >= 0; a--) {
      outer[a] = rem % (outerShape[a] as number);
      rem = Math.floor(rem / (outerShape[a] as number));
    }
    for (let d = 0; d < n; d++) rowCoords(grid, d, outer, coords[d] as Float64Array, samplers[d] as AxisSampler, pre[d]);
    const rowOff = o * len;
    if (nearest) {
      // index of the nearest input voxel (flat), or -1 (zeros padding, out of bounds)
      const idx = lo[0] as Int32Array;
      for (let j = 0; j < len; j++) {
        let flat = 0;
        let ok = true;
        for (let d = 0; d < n; d++) {
          const v = roundNearest((coords[d] as Float64Array)[j] as number);
          const s = inSp[d] as number;
          if (!(v >= 0 && v < s)) ok = false;
          flat += v * (inStr[d] as number);
        }
        idx[j] = ok ? flat : -1;
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
    // linear: per axis two taps with weights (out-of-bounds taps get weight 0 and a safe index)
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
        if (Number.isNaN(x)) {
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
        l[j] = in0 ? x0 * st : 0;
        h[j] = in1 ? (x0 + 1) * st : 0;
        a[j] = in0 ? 1 - fw : 0;
        b[j] = in1 ? fw : 0;
      }
    }
    valid.fill(1);
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
          const wa0 = a0[j] as number;
          const wb0 = b0[j] as number;
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
          out[oo + j] = wa0 * v0 + wb0 * v1;
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
            (a0[j] as number) * (wa1 * (src[r0 + ya] as number) + wb1 * (src[r0 + yb] as number)) +
            (b0[j] as number) * (wa1 * (src[r1 + ya] as number) + wb1 * (src[r1 + yb] as number));
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// small-matrix helpers in a given precision (torch's small bmm kernel: sequential, not fused)

/** `a @ b` for square matrices, each product and sum rounded in `dtype` (torch's small-matrix kernel). */
export function matmulIn(a: readonly (readonly number[])[], b: readonly (readonly number[])[], dtype: ComputeDType, fma = false): number[][] {
  const R = rounder(dtype);
  const n = a.length;
  const m = (b[0] as readonly number[]).length;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let k = 0; k < b.length; k++) {
        const x = (a[i] as readonly number[])[k] as number;
        const y = (b[k] as readonly number[])[j] as number;
        acc = fma ? R(x * y + acc) : R(acc + R(x * y));
      }
      row.push(acc);
    }
    out.push(row);
  }
  return out;
}

/**
 * MONAI `normalize_transform` for one spatial shape: the (n+1)×(n+1) matrix taking voxel
 * indices to torch's [-1, 1] coordinates (computed in float64, then cast to `dtype`).
 */
export function normalizeTransform(shape: readonly number[], alignCorners: boolean, dtype: ComputeDType = 'float64'): number[][] {
  const R = rounder(dtype);
  const n = shape.length;
  const m = Array.from({ length: n + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === j ? 1 : 0)));
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

/** Inverse of a normalisation matrix (diagonal + translation), as LAPACK's triangular solve gives it. */
function invertNormalize(m: readonly (readonly number[])[], dtype: ComputeDType): number[][] {
  const R = rounder(dtype);
  const n = m.length - 1;
  const out = Array.from({ length: n + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === j ? 1 : 0)));
  for (let i = 0; i < n; i++) {
    const s = (m[i] as readonly number[])[i] as number;
    const t = (m[i] as readonly number[])[n] as number;
    (out[i] as number[])[i] = R(1 / s);
    (out[i] as number[])[n] = R(-t / s);
  }
  return out;
}

/**
 * `a·b + c` with one rounding (a fused multiply-add) in `dtype`. float32 inputs multiply exactly in
 * float64; for float64 the product's error term is recovered with Dekker's two-product.
 */
export function fmaIn(a: number, b: number, c: number, dtype: ComputeDType): number {
  if (dtype === 'float32') return Math.fround(a * b + c);
  const p = a * b;
  if (!Number.isFinite(p)) return p + c;
  // two-product error (Veltkamp split)
  const SPLIT = 134217729; // 2^27 + 1
  const ah = a * SPLIT - (a * SPLIT - a);
  const al = a - ah;
  const bh = b * SPLIT - (b * SPLIT - b);
  const bl = b - bh;
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  // two-sum of p and c
  const s = p + c;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  return s + (err + e);
}

/** Vector width of torch's AVX2 CPU kernels per dtype (elements per `Vectorized`). */
const VEC_WIDTH: Record<ComputeDType, number> = { float32: 8, float64: 4 };

/**
 * torch `linspace(-1, 1, n)` (then `· (n−1) / n` unless `alignCorners`): affine_grid's base
 * coordinates, as torch 1.13's AVX2 CPU kernel computes them — `start + step·i` below the halfway
 * point, `end − step·(n−1−i)` above (one fused multiply-add each), in blocks of two vectors whose
 * lanes are `base + k·step` (product and sum rounded separately), the tail element-wise — so that
 * grids match torch to the last bit (found against the golden rotate/spacing outputs, where one ulp
 * decides a value next to a zero-padded edge or a nearest-neighbour tie).
 */
export function linspaceFromNegOne(n: number, alignCorners: boolean, dtype: ComputeDType): Float64Array {
  const out = new Float64Array(Math.max(n, 1));
  if (n <= 1) return out;
  const R = rounder(dtype);
  const step = R(2 / (n - 1));
  const half = Math.floor(n / 2);
  const at = (i: number): number => (i < half ? fmaIn(step, i, -1, dtype) : fmaIn(-step, n - i - 1, 1, dtype));
  const w = VEC_WIDTH[dtype];
  let idx = 0;
  for (let i = 0; i <= n - 2 * w; i += 2 * w)
    for (let v = 0; v < 2; v++) {
      const base = at(idx);
      for (let k = 0; k < w; k++) out[idx + k] = k === 0 ? base : R(base + R(k * step));
      idx += w;
    }
  for (; idx < n; idx++) out[idx] = at(idx);
  if (!alignCorners) for (let i = 0; i < n; i++) out[i] = R(R((out[i] as number) * (n - 1)) / n);
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
  const theta = matmulIn(matmulIn(sIn, x, dtype), sOutInv, dtype);
  return {
    outShape: [...outShape],
    base: outShape.map((s) => linspaceFromNegOne(s, alignCorners, dtype)),
    matrix: theta.slice(0, n).map((r) => r.slice()),
    order: Array.from({ length: n }, (_, i) => n - 1 - i),
    gridDType: dtype,
    fma: dtype === 'float32',
    sampleDType: dtype,
    alignCorners,
  };
}

/** torch `linspace(-(d-1)/2, (d-1)/2, d)`: MONAI `create_grid` coordinates (exact half-integers). */
export function centeredCoords(d: number): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < d; i++) out[i] = i - (d - 1) / 2;
  return out;
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
    a = matmulIn(a, sc, gridDType, gridDType === 'float32');
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
