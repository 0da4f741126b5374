/**
 * The library's one matrix module, each operation once. Square matrices are rows (`Matrix`:
 * (n+1)×(n+1) homogeneous matrices in MONAI's spatial axis order, float64 like numpy or rounded like
 * torch's float32 kernels); the image affine (voxel index → world mm, RAS) is packed as a row-major
 * 4×4 `Float64Array` (`AffineMatrix`) and converts to and from rows. Pure typed-array code: runs in
 * Node and browsers.
 */
import { type ComputeDType, rounder } from './numerics.js';

/** A matrix as rows. */
export type Matrix = number[][];

/** Rows accepted as input (not written to). */
type Rows = readonly (readonly number[])[];

/** A row-major 4×4 matrix. */
export type AffineMatrix = Float64Array;

/** The n×n identity as rows (numpy `eye`). */
export function eye(n: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

/** The 4×4 identity, packed. */
export function identityAffine(): AffineMatrix {
  const a = new Float64Array(16);
  a[0] = a[5] = a[10] = a[15] = 1;
  return a;
}

/** Builds an affine from 4 rows (or 3 rows; the last row becomes `[0,0,0,1]`). */
export function affineFromRows(rows: Rows): AffineMatrix {
  const a = identityAffine();
  for (let r = 0; r < Math.min(4, rows.length); r++) {
    const row = rows[r] as readonly number[];
    for (let c = 0; c < 4; c++) a[r * 4 + c] = row[c] ?? 0;
  }
  return a;
}

/** The affine as 4 rows of 4 numbers (for JSON and printing). */
export function affineToRows(a: AffineMatrix): number[][] {
  return [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => a[r * 4 + c] as number));
}

/** Element (r, c). */
export function at(a: AffineMatrix, r: number, c: number): number {
  return a[r * 4 + c] as number;
}

/**
 * Matrix product `a @ b` (apply `b` first, then `a`), of two packed affines or of two matrices as
 * rows. For rows, every product and sum is rounded in `dtype` (float64: numpy; float32 without `fma`:
 * torch's small-matrix kernel) or, with `fma`, each step is one fused multiply-add (BLAS sgemm, as
 * torch's float32 `@` on MONAI's matrices).
 */
export function matmul(a: AffineMatrix, b: AffineMatrix): AffineMatrix;
export function matmul(a: Rows, b: Rows, dtype?: ComputeDType, fma?: boolean): Matrix;
export function matmul(
  a: AffineMatrix | Rows,
  b: AffineMatrix | Rows,
  dtype: ComputeDType = 'float64',
  fma = false,
): AffineMatrix | Matrix {
  if (isPacked(a) || isPacked(b)) return affineFromRows(matmul(toRows(a), toRows(b), dtype, fma));
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

/** {@link matmul} as MONAI's torch backend computes `@` on float32 matrices (fused multiply-adds). */
export function matmulTorch32(a: Rows, b: Rows): Matrix {
  return matmul(a, b, 'float32', true);
}

/** Matrix–vector product `m @ v` in float64 (summed in column order). */
export function matvec(m: Rows, v: readonly number[]): number[] {
  return m.map((row) => row.reduce((s, a, k) => s + a * (v[k] as number), 0));
}

function isPacked(a: AffineMatrix | Rows): a is AffineMatrix {
  return ArrayBuffer.isView(a);
}

function toRows(a: AffineMatrix | Rows): Rows {
  return isPacked(a) ? affineToRows(a) : a;
}

/** The transpose. */
export function transpose(a: Rows): Matrix {
  return (a[0] as readonly number[]).map((_, j) => a.map((r) => r[j] as number));
}

/** Solves `a @ x = b` (numpy `linalg.solve`: LU with partial pivoting). Throws on a singular `a`. */
export function solveMatrix(a: Rows, b: Rows): Matrix {
  const n = a.length;
  const m = a.map((r) => [...r]);
  const x = b.map((r) => [...r]);
  const cols = (x[0] as number[]).length;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++)
      if (Math.abs((m[i] as number[])[k] as number) > Math.abs((m[p] as number[])[k] as number)) p = i;
    const piv = (m[p] as number[])[k] as number;
    if (piv === 0 || !Number.isFinite(piv)) throw new RangeError('matrix is singular');
    if (p !== k) {
      [m[k], m[p]] = [m[p] as number[], m[k] as number[]];
      [x[k], x[p]] = [x[p] as number[], x[k] as number[]];
    }
    for (let i = k + 1; i < n; i++) {
      const f = ((m[i] as number[])[k] as number) / piv;
      if (f === 0) continue;
      (m[i] as number[])[k] = f;
      for (let j = k + 1; j < n; j++)
        (m[i] as number[])[j] = ((m[i] as number[])[j] as number) - f * ((m[k] as number[])[j] as number);
      for (let j = 0; j < cols; j++)
        (x[i] as number[])[j] = ((x[i] as number[])[j] as number) - f * ((x[k] as number[])[j] as number);
    }
  }
  for (let j = 0; j < cols; j++)
    for (let i = n - 1; i >= 0; i--) {
      let s = (x[i] as number[])[j] as number;
      for (let k = i + 1; k < n; k++)
        s -= ((m[i] as number[])[k] as number) * ((x[k] as number[])[j] as number);
      (x[i] as number[])[j] = s / ((m[i] as number[])[i] as number);
    }
  return x;
}

/** Matrix inverse (numpy `linalg.inv`). Throws a RangeError on a singular matrix. */
export function invMatrix(a: Rows): Matrix {
  return solveMatrix(a, eye(a.length));
}

/** Cholesky factor `L` (lower) of a symmetric positive definite matrix; throws when not SPD. */
export function cholesky(a: Rows): Matrix {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = (a[i] as readonly number[])[j] as number;
      for (let k = 0; k < j; k++) s -= ((l[i] as number[])[k] as number) * ((l[j] as number[])[k] as number);
      if (i === j) {
        if (!(s > 0)) throw new RangeError('matrix is not positive definite (singular affine)');
        (l[i] as number[])[i] = Math.sqrt(s);
      } else (l[i] as number[])[j] = s / ((l[j] as number[])[j] as number);
    }
  return l;
}

/**
 * MONAI `to_affine_nd(r, affine)`: an (r+1)×(r+1) matrix with the top-left k×k block and the first
 * k entries of the last column of `affine` (k = min(r, size-1)). Accepts a row-major 4×4
 * `Float64Array` or rows.
 */
export function toAffineNd(r: number, affine: AffineMatrix | Rows): Matrix {
  const rows = toRows(affine);
  const out = eye(r + 1);
  const d = Math.max(Math.min(r, rows.length - 1), 1);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) (out[i] as number[])[j] = (rows[i] as readonly number[])[j] as number;
  if (d > 1)
    for (let i = 0; i < d; i++)
      (out[i] as number[])[r] = (rows[i] as readonly number[])[rows.length - 1] as number;
  return out;
}

/** A 4×4 row-major affine from an (n+1)×(n+1) matrix (`to_affine_nd(3, m)`). */
export function toAffine4(m: Rows): AffineMatrix {
  return affineFromRows(toAffineNd(3, m));
}

/**
 * Voxel sizes: the norms of the first `n` columns of the affine's top-left `n×n` block (`n` ≤ 4;
 * MONAI's `affine_to_spacing` without zero suppression — with `n = 4` the translation column counts,
 * as MONAI's NIfTI header check does for 4D images).
 */
export function voxelSizes(a: AffineMatrix, n = 3): number[] {
  const out: number[] = [];
  for (let c = 0; c < n; c++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += at(a, r, c) ** 2;
    out.push(Math.sqrt(s));
  }
  return out;
}

/** MONAI `affine_to_spacing(affine, r, suppress_zeros=True)`: `voxelSizes` with zeros reported as 1. */
export function affineToSpacing(a: AffineMatrix, r = 3, suppressZeros = true): number[] {
  return voxelSizes(a, r).map((v) => (suppressZeros && v === 0 ? 1 : v));
}

/**
 * MONAI `affine_to_spacing(affine, r)` on rows of any size (an (r+1)×(r+1) `to_affine_nd(r, ·)`
 * matrix, also beyond 3 dims): the norms of the columns of the top-left r×r block, zeros reported as 1.
 */
export function spacingOfRows(m: Rows, r: number, suppressZeros = true): number[] {
  return Array.from({ length: r }, (_, c) => {
    const v = Math.hypot(...m.slice(0, r).map((row) => (row[c] as number | undefined) ?? 0));
    return suppressZeros && v === 0 ? 1 : v;
  });
}

/** Applies the affine to a point (`n` ≤ 3 coordinates; missing ones are 0). */
export function applyAffine(a: AffineMatrix, p: readonly number[]): number[] {
  return matvec(affineToRows(a).slice(0, 3), [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, 1]);
}

/** Negates the first two rows: converts between LPS and RAS worlds (MONAI `orientation_ras_lps`). */
export function lpsToRas(a: AffineMatrix): AffineMatrix {
  const out = a.slice();
  for (let c = 0; c < 4; c++) {
    out[c] = -out[c]!;
    out[4 + c] = -out[4 + c]!;
  }
  return out;
}
