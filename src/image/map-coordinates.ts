/**
 * scipy's `ndimage.map_coordinates` for spline orders 0 and 1 (no prefilter is involved at these
 * orders), as MONAI's `Resample` calls it when `mode` is an integer: every output voxel reads the
 * input at a coordinate per input axis (voxel indices), with scipy's boundary modes `'constant'`
 * (cval 0: coordinates outside `[0, n-1]` give 0), `'nearest'` and `'reflect'`. Arithmetic in float64
 * as scipy's C code (taps summed with the last axis fastest; order 0 rounds `floor(x + 0.5)`).
 *
 * Pure typed-array code: runs in browsers too.
 */
import type { NumericArray } from './dtype.js';
import { fmaIn } from './resample.js';

/** Spline interpolation orders implemented (scipy `order`). */
export type SplineOrder = 0 | 1;

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

/** A tap index outside `[0, len-1]` brought inside by the mode's extension. */
function tapIndex(i: number, len: number, mode: NdimageMode): number {
  if (i >= 0 && i < len) return i;
  if (len <= 1) return 0;
  if (mode === 'reflect') {
    const sz2 = 2 * len;
    let j = ((i % sz2) + sz2) % sz2;
    if (j >= len) j = sz2 - j - 1;
    return j;
  }
  return i < 0 ? 0 : len - 1;
}

/**
 * Samples `src` (`[C, ...inSpatial]`, C order) at `coords[d][v]` (input axis `d`, output voxel `v`
 * in C order over `outShape`) with spline `order` 0 or 1 and boundary `mode` (cval 0). Returns
 * float32 `[C, ...outShape]`.
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
  const strides = new Array<number>(n).fill(1);
  for (let d = n - 2; d >= 0; d--) strides[d] = (strides[d + 1] as number) * (inSp[d + 1] as number);
  const out = new Float32Array(C * outVox);
  const taps = order + 1;
  const filter = taps ** n;
  const idx = new Int32Array(n * taps);
  const w = new Float64Array(n * taps);
  const digit = new Int32Array(n);
  for (let v = 0; v < outVox; v++) {
    let outside = false;
    for (let d = 0; d < n && !outside; d++) {
      const len = inSp[d] as number;
      const cc = mapCoordinate((coords[d] as Float64Array)[v] as number, len, mode);
      if (cc === null) {
        outside = true;
        break;
      }
      if (order === 0) idx[d] = tapIndex(Math.floor(cc + 0.5), len, mode) * (strides[d] as number);
      else {
        const start = Math.floor(cc);
        const t = cc - start;
        idx[d * 2] = tapIndex(start, len, mode) * (strides[d] as number);
        idx[d * 2 + 1] = tapIndex(start + 1, len, mode) * (strides[d] as number);
        w[d * 2] = 1 - t;
        w[d * 2 + 1] = t;
      }
    }
    for (let c = 0; c < C; c++) {
      if (outside) continue; // out is zero-filled (cval 0)
      const base = c * inVox;
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
        let coeff = src[off] as number;
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
