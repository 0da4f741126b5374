/**
 * scipy's `ndimage.map_coordinates` for spline orders 0, 1 and 3, as MONAI's `Resample` calls it when
 * `mode` is an integer: every output voxel reads the input at a coordinate per input axis (voxel
 * indices), with scipy's boundary modes `'constant'` (cval 0: coordinates outside `[0, n-1]` give 0),
 * `'nearest'` and `'reflect'`. Order 3 first runs scipy's cubic B-spline prefilter (`spline_filter`,
 * with scipy's boundary initialisations, and `'nearest'` pre-padded by 12 edge values). Arithmetic in
 * float64 as scipy's C code (taps summed with the last axis fastest; order 0 rounds `floor(x + 0.5)`).
 *
 * Pure typed-array code: runs in browsers too.
 */
import type { NumericArray } from './dtype.js';
import { fmaIn } from './numerics.js';

/** Spline interpolation orders implemented (scipy `order`). */
export type SplineOrder = 0 | 1 | 3;

/** scipy boundary modes implemented (MONAI maps zeros → constant, border → nearest, reflection → reflect). */
export type NdimageMode = 'constant' | 'nearest' | 'reflect';

/** scipy's `map_coordinate` for one coordinate; `null` when it falls outside in `'constant'` mode. */
function mapCoordinate(x: number, len: number, mode: NdimageMode): number | null {
  if (x >= 0 && x <= len - 1) return x;
  if (mode === 'constant') return null;
  if (mode === 'nearest' || len <= 1) return x < 0 ? 0 : len - 1;
  // reflect (half-sample symmetric): period 2·len
  const sz2 = 2 * len;
  if (x < 0) {
    if (x < -sz2) x = sz2 * Math.trunc(-x / sz2) + x;
    return x < -len ? x + sz2 : (x > -1e-15 ? 1e-15 : -x) - 1;
  }
  x -= sz2 * Math.trunc(x / sz2);
  return x >= len ? sz2 - x - 1 : x;
}

/**
 * A tap index outside `[0, len-1]` brought inside by the mode's extension (`'constant'` at order 3
 * reads the mirrored coefficients, as scipy's spline taps do).
 */
function tapIndex(i: number, len: number, mode: NdimageMode, order: SplineOrder): number {
  if (i >= 0 && i < len) return i;
  if (len <= 1) return 0;
  if (mode === 'reflect') {
    const sz2 = 2 * len;
    let j = ((i % sz2) + sz2) % sz2;
    if (j >= len) j = sz2 - j - 1;
    return j;
  }
  if (mode === 'constant' && order === 3) {
    const sz2 = 2 * len - 2;
    let j = ((i % sz2) + sz2) % sz2;
    if (j >= len) j = sz2 - j;
    return j;
  }
  return i < 0 ? 0 : len - 1;
}

/** The cubic B-spline pole. */
const POLE = Math.sqrt(3) - 2;

/** scipy's causal initialisation for mirror (whole-sample symmetric) boundaries. */
function initCausalMirror(c: Float64Array, o: number, st: number, n: number, z: number): void {
  let zi = z;
  const zn1 = z ** (n - 1);
  let c0 = (c[o] as number) + zn1 * (c[o + (n - 1) * st] as number);
  for (let i = 1; i < n - 1; i++) {
    c0 += zi * ((c[o + i * st] as number) + zn1 * (c[o + (n - 1 - i) * st] as number));
    zi *= z;
  }
  c[o] = c0 / (1 - zn1 * zn1);
}

/**
 * scipy's causal initialisation for reflect (half-sample symmetric) boundaries, including its
 * in-place update of `c[0]` (the last term reads the partly accumulated `c[0]`).
 */
function initCausalReflect(c: Float64Array, o: number, st: number, n: number, z: number): void {
  let zi = z;
  const zn = z ** n;
  const c0 = c[o] as number;
  c[o] = c0 + zn * (c[o + (n - 1) * st] as number);
  for (let i = 1; i < n; i++) {
    c[o] = (c[o] as number) + zi * ((c[o + i * st] as number) + zn * (c[o + (n - 1 - i) * st] as number));
    zi *= z;
  }
  c[o] = (c[o] as number) * (z / (1 - zn * zn)) + c0;
}

/** scipy `spline_filter1d(order=3)` on one line of `c` (offset `o`, stride `st`, length `n`), in place. */
function splineFilterLine(c: Float64Array, o: number, st: number, n: number, mirror: boolean): void {
  if (n <= 1) return;
  const z = POLE;
  const gain = (1 - z) * (1 - 1 / z);
  for (let i = 0; i < n; i++) c[o + i * st] = (c[o + i * st] as number) * gain;
  if (mirror) initCausalMirror(c, o, st, n, z);
  else initCausalReflect(c, o, st, n, z);
  for (let i = 1; i < n; i++) c[o + i * st] = (c[o + i * st] as number) + z * (c[o + (i - 1) * st] as number);
  const last = o + (n - 1) * st;
  if (mirror) c[last] = ((z * (c[last - st] as number) + (c[last] as number)) * z) / (z * z - 1);
  else c[last] = (c[last] as number) * (z / (z - 1));
  for (let i = n - 2; i >= 0; i--)
    c[o + i * st] = z * ((c[o + (i + 1) * st] as number) - (c[o + i * st] as number));
}

/**
 * scipy's order-3 coefficients of one channel (`shape` spatial): `'nearest'` is first padded by
 * 12 edge values per side (scipy's `_prepad_for_spline_filter`), then every axis is filtered in turn.
 */
function splineCoefficients(
  src: NumericArray,
  offset: number,
  shape: readonly number[],
  mode: NdimageMode,
): { coef: Float64Array; shape: number[] } {
  const pad = mode === 'nearest' ? 12 : 0;
  const n = shape.length;
  const ps = shape.map((s) => s + 2 * pad);
  const size = ps.reduce((a, b) => a * b, 1);
  const coef = new Float64Array(size);
  const inStr = new Array<number>(n).fill(1);
  const pStr = new Array<number>(n).fill(1);
  for (let d = n - 2; d >= 0; d--) {
    inStr[d] = (inStr[d + 1] as number) * (shape[d + 1] as number);
    pStr[d] = (pStr[d + 1] as number) * (ps[d + 1] as number);
  }
  const pos = new Array<number>(n).fill(0);
  for (let v = 0; v < size; v++) {
    let off = offset;
    for (let d = 0; d < n; d++) {
      const i = Math.min(Math.max((pos[d] as number) - pad, 0), (shape[d] as number) - 1);
      off += i * (inStr[d] as number);
    }
    coef[v] = src[off] as number;
    for (let d = n - 1; d >= 0; d--) {
      pos[d] = (pos[d] as number) + 1;
      if ((pos[d] as number) < (ps[d] as number)) break;
      pos[d] = 0;
    }
  }
  const mirror = mode === 'constant';
  for (let d = 0; d < n; d++) {
    const len = ps[d] as number;
    const st = pStr[d] as number;
    // every line along axis d: offsets with digit d = 0
    for (let v = 0; v < size; v++)
      if (Math.floor(v / st) % len === 0) splineFilterLine(coef, v, st, len, mirror);
  }
  return { coef, shape: ps };
}

/** scipy's spline weights for the fractional part `t` (the last one is 1 minus the others). */
function splineWeights(t: number, order: SplineOrder, w: Float64Array, at: number): void {
  if (order === 1) {
    w[at] = 1 - t;
    w[at + 1] = 1 - (w[at] as number);
    return;
  }
  const z = 1 - t;
  w[at] = (z * z * z) / 6;
  w[at + 1] = (t * t * (t - 2) * 3 + 4) / 6;
  w[at + 2] = (z * z * (z - 2) * 3 + 4) / 6;
  w[at + 3] = 1 - (w[at] as number) - (w[at + 1] as number) - (w[at + 2] as number);
}

/**
 * Samples `src` (`[C, ...inSpatial]`, C order) at `coords[d][v]` (input axis `d`, output voxel `v`
 * in C order over `outShape`) with spline `order` 0, 1 or 3 and boundary `mode` (cval 0), channel by
 * channel as MONAI calls scipy. Returns float32 `[C, ...outShape]`.
 */
export function mapCoordinates(
  src: NumericArray,
  srcShape: readonly number[],
  coords: readonly Float64Array[],
  outShape: readonly number[],
  order: SplineOrder,
  mode: NdimageMode,
): Float32Array {
  const n = srcShape.length - 1;
  if (coords.length !== n) throw new RangeError(`need ${n} coordinate arrays, got ${coords.length}`);
  const C = srcShape[0] as number;
  const inSp = srcShape.slice(1);
  const inVox = inSp.reduce((a, b) => a * b, 1);
  const outVox = outShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(C * outVox);
  const taps = order + 1;
  const filter = taps ** n;
  const idx = new Int32Array(n * taps);
  const w = new Float64Array(n * taps);
  const digit = new Int32Array(n);
  for (let c = 0; c < C; c++) {
    // the array the taps read: the channel itself (orders 0, 1) or its spline coefficients (order 3)
    let data: NumericArray = src;
    let base = c * inVox;
    let shape: readonly number[] = inSp;
    let pad = 0;
    if (order === 3) {
      const sc = splineCoefficients(src, c * inVox, inSp, mode);
      data = sc.coef;
      base = 0;
      shape = sc.shape;
      pad = mode === 'nearest' ? 12 : 0;
    }
    const strides = new Array<number>(n).fill(1);
    for (let d = n - 2; d >= 0; d--) strides[d] = (strides[d + 1] as number) * (shape[d + 1] as number);
    for (let v = 0; v < outVox; v++) {
      let outside = false;
      for (let d = 0; d < n; d++) {
        const x = (coords[d] as Float64Array)[v] as number;
        // order 3 'nearest': scipy reads the padded coefficients at x + 12, taps clamped (no mapping)
        const cc = pad > 0 ? x + pad : mapCoordinate(x, inSp[d] as number, mode);
        if (cc === null) {
          outside = true;
          break;
        }
        const len = shape[d] as number;
        const st = strides[d] as number;
        if (order === 0) idx[d] = tapIndex(Math.floor(cc + 0.5), len, mode, order) * st;
        else {
          const fl = Math.floor(cc);
          const first = order === 3 ? fl - 1 : fl;
          for (let k = 0; k < taps; k++) idx[d * taps + k] = tapIndex(first + k, len, mode, order) * st;
          splineWeights(cc - fl, order, w, d * taps);
        }
      }
      if (outside) continue; // out is zero-filled (cval 0)
      let acc = 0;
      for (let f = 0; f < filter; f++) {
        // tap f: per axis the digit of f in base `taps`, last axis fastest (scipy's filter order)
        let off = base;
        let rem = f;
        for (let d = n - 1; d >= 0; d--) {
          const k = rem % taps;
          rem = (rem - k) / taps;
          digit[d] = k;
          off += idx[d * taps + k] as number;
        }
        let coeff = data[off] as number;
        if (order > 0) for (let d = 0; d < n; d++) coeff *= w[d * taps + (digit[d] as number)] as number;
        acc += coeff;
      }
      out[c * outVox + v] = acc;
    }
  }
  return out;
}

/**
 * The dense coordinates `matrix @ [base; 1]` over `outShape` (C order): per input axis `d`,
 * `Σ_k matrix[d][k]·base[k][j_k] + matrix[d][n]`, accumulated as BLAS gemm does (`k` in order,
 * fused multiply-adds, the translation last), rounded to `dtype`. MONAI's `AffineGrid` grids.
 */
export function affineCoords(
  matrix: readonly (readonly number[])[],
  base: readonly Float64Array[],
  dtype: 'float32' | 'float64',
): Float64Array[] {
  const n = base.length;
  const outShape = base.map((b) => b.length);
  const size = outShape.reduce((a, b) => a * b, 1);
  const R = dtype === 'float32' ? Math.fround : (x: number) => x;
  const fma = (a: number, b: number, c: number): number =>
    dtype === 'float32' ? Math.fround(a * b + c) : fmaIn(a, b, c, 'float64');
  const out = Array.from({ length: n }, () => new Float64Array(size));
  const pos = new Array<number>(n).fill(0);
  for (let v = 0; v < size; v++) {
    for (let d = 0; d < n; d++) {
      const row = matrix[d] as readonly number[];
      let acc = R((row[0] as number) * ((base[0] as Float64Array)[pos[0] as number] as number));
      for (let k = 1; k < n; k++)
        acc = fma(row[k] as number, (base[k] as Float64Array)[pos[k] as number] as number, acc);
      (out[d] as Float64Array)[v] = R(acc + (row[n] as number));
    }
    for (let d = n - 1; d >= 0; d--) {
      pos[d] = (pos[d] as number) + 1;
      if ((pos[d] as number) < (outShape[d] as number)) break;
      pos[d] = 0;
    }
  }
  return out;
}
