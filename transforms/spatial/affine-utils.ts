/**
 * The affines MONAI's spatial transforms build (monai.transforms.utils
 * `create_rotate`/`create_shear`/`create_translate`/`create_scale`/`scale_affine`, monai.data.utils
 * `zoom_affine`/`compute_shape_offset`), and how a transform updates an image's affine. Matrices are
 * rows, (n+1)×(n+1) for n spatial dims, in MONAI's spatial axis order; the matrix maths itself
 * (products, inverses, `to_affine_nd`) is src/image/affine.ts.
 *
 * `backend: 'torch'` reproduces MONAI's torch backend (float32 tensors: sin/cos and the entries
 * rounded to float32), which is what `AffineGrid` uses; `'numpy'` is float64.
 */
import {
  type AffineMatrix,
  type Matrix,
  cholesky,
  eye,
  invMatrix,
  matmul,
  matvec,
  matmulTorch32,
  solveMatrix,
  spacingOfRows,
  toAffine4,
  toAffineNd,
  transpose,
} from '../../src/image/affine.js';
import { type Rounder, roundHalfEven, rounder } from '../../src/image/numerics.js';

/** Which MONAI backend a helper emulates: `'numpy'` (float64) or `'torch'` (float32). */
export type MatrixBackend = 'numpy' | 'torch';

/** `affine @ to_affine_nd(3, xform)`: how MONAI updates a MetaTensor's affine after a spatial transform. */
export function composeImageAffine(
  affine: AffineMatrix,
  xform: readonly (readonly number[])[],
): AffineMatrix {
  return matmul(affine, toAffine4(xform));
}

function cast(backend: MatrixBackend): Rounder {
  return rounder(backend === 'torch' ? 'float32' : 'float64');
}

function toList(v: number | readonly number[]): number[] {
  return typeof v === 'number' ? [v] : [...v];
}

/**
 * MONAI `create_rotate`: a 2D rotation (one angle) or a 3D rotation `Rx @ Ry @ Rz` (up to three
 * angles, radians).
 */
export function createRotate(
  spatialDims: number,
  radians: number | readonly number[],
  backend: MatrixBackend = 'numpy',
): Matrix {
  const R = cast(backend);
  const mm = backend === 'torch' ? matmulTorch32 : matmul;
  const rad = toList(radians);
  const sc = (th: number): [number, number] => {
    const t = R(th);
    return [R(Math.sin(t)), R(Math.cos(t))];
  };
  if (spatialDims === 2) {
    if (rad.length < 1) throw new RangeError('radians must be non empty');
    const [s, c] = sc(rad[0] as number);
    return [
      [c, -s, 0],
      [s, c, 0],
      [0, 0, 1],
    ];
  }
  if (spatialDims === 3) {
    if (rad.length < 1) throw new RangeError('radians must be non empty');
    let [s, c] = sc(rad[0] as number);
    let a: Matrix = [
      [1, 0, 0, 0],
      [0, c, -s, 0],
      [0, s, c, 0],
      [0, 0, 0, 1],
    ];
    if (rad.length >= 2) {
      [s, c] = sc(rad[1] as number);
      a = mm(a, [
        [c, 0, s, 0],
        [0, 1, 0, 0],
        [-s, 0, c, 0],
        [0, 0, 0, 1],
      ]);
    }
    if (rad.length >= 3) {
      [s, c] = sc(rad[2] as number);
      a = mm(a, [
        [c, -s, 0, 0],
        [s, c, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ]);
    }
    return a;
  }
  throw new RangeError(`unsupported spatial_dims ${spatialDims}, available options are [2, 3]`);
}

/**
 * MONAI `create_shear`: 2D `[[1, s0], [s1, 1]]`; 3D `[[1, s0, s1], [s2, 1, s3], [s4, s5, 1]]`
 * (missing coefficients are 0).
 */
export function createShear(
  spatialDims: number,
  coefs: number | readonly number[],
  backend: MatrixBackend = 'numpy',
): Matrix {
  const R = cast(backend);
  const c = toList(coefs).map(R);
  const g = (i: number) => c[i] ?? 0;
  if (spatialDims === 2)
    return [
      [1, g(0), 0],
      [g(1), 1, 0],
      [0, 0, 1],
    ];
  if (spatialDims === 3)
    return [
      [1, g(0), g(1), 0],
      [g(2), 1, g(3), 0],
      [g(4), g(5), 1, 0],
      [0, 0, 0, 1],
    ];
  throw new RangeError(`unsupported spatial_dims ${spatialDims}, available options are [2, 3]`);
}

/** MONAI `create_scale`: diagonal scaling (missing factors are 1). */
export function createScale(
  spatialDims: number,
  factors: number | readonly number[],
  backend: MatrixBackend = 'numpy',
): Matrix {
  const R = cast(backend);
  const f = toList(factors);
  const m = eye(spatialDims + 1);
  for (let i = 0; i < spatialDims; i++) (m[i] as number[])[i] = R(f[i] ?? 1);
  return m;
}

/** MONAI `create_translate`: translation by `shift` (missing entries are 0). */
export function createTranslate(
  spatialDims: number,
  shift: number | readonly number[],
  backend: MatrixBackend = 'numpy',
): Matrix {
  const R = cast(backend);
  const s = toList(shift);
  const m = eye(spatialDims + 1);
  for (let i = 0; i < Math.min(spatialDims, s.length); i++)
    (m[i] as number[])[spatialDims] = R(s[i] as number);
  return m;
}

/**
 * MONAI `scale_affine(spatial_size, new_spatial_size, centered=True)`: the voxel→voxel affine of a
 * resize from `oldSize` to `newSize` (scales `old/new`, centred translation `(scale-1)/2`).
 */
export function scaleAffine(oldSize: readonly number[], newSize: readonly number[], centered = true): Matrix {
  const r = Math.max(oldSize.length, newSize.length);
  if (oldSize.length === newSize.length && oldSize.every((v, i) => v === newSize[i])) return eye(r + 1);
  const m = eye(r + 1);
  for (let i = 0; i < Math.min(oldSize.length, newSize.length); i++) {
    const s = (oldSize[i] as number) / Math.max(newSize[i] as number, 1);
    (m[i] as number[])[i] = s;
    if (centered) (m[i] as number[])[r] = (s - 1) / 2;
  }
  return m;
}

/**
 * MONAI `zoom_affine(affine, scale, diagonal)`: an affine with column norms `scale` and no
 * translation; with `diagonal=false` it keeps the rotation (and axis flips) of `affine`, removing shears.
 * Non-positive scales fall back to the current spacing (MONAI's rule); zeros become 1.
 */
export function zoomAffine(
  affine: readonly (readonly number[])[],
  scale: readonly number[],
  diagonal = true,
): Matrix {
  const d = affine.length - 1;
  const norm = spacingOfRows(affine, d);
  let s = [...scale];
  if (s.length < d) s = s.concat(norm.slice(s.length));
  s = s.slice(0, d).map((v, i) => (v > 0 ? v : (norm[i] as number)));
  s = s.map((v) => (v === 0 ? 1 : v));
  if (diagonal) {
    const m = eye(d + 1);
    for (let i = 0; i < d; i++) (m[i] as number[])[i] = s[i] as number;
    return m;
  }
  const rzs = affine.slice(0, d).map((r) => r.slice(0, d));
  const zs = transpose(cholesky(matmul(transpose(rzs), rzs))); // upper factor
  const rotation = matmul(rzs, invMatrix(zs));
  const sd = s.map((v, i) => Math.sign((zs[i] as number[])[i] as number) * Math.abs(v));
  const m = eye(d + 1);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++)
      (m[i] as number[])[j] = ((rotation[i] as number[])[j] as number) * (sd[j] as number);
  return m;
}

/** numpy `allclose(a, 0, rtol, atol=1e-8)` for a vector. */
function allCloseZero(v: readonly number[], atol = 1e-8): boolean {
  return v.every((x) => Math.abs(x) <= atol);
}

/**
 * MONAI `compute_shape_offset`: the output shape (numpy half-to-even rounding) that holds the input
 * field of view after resampling from `inAffine` to `outAffine`, and the world offset of the
 * output's first voxel.
 */
export function computeShapeOffset(
  spatialShape: readonly number[],
  inAffine: readonly (readonly number[])[],
  outAffine: readonly (readonly number[])[],
  scaleExtent = false,
): { shape: number[]; offset: number[] } {
  const sr = spatialShape.length;
  const inA = toAffineNd(sr, inAffine);
  const outA = toAffineNd(sr, outAffine);
  const nc = 2 ** sr;
  // corners (ij meshgrid order: first axis slowest)
  const corners: number[][] = [];
  for (let c = 0; c < nc; c++) {
    const p: number[] = [];
    for (let d = 0; d < sr; d++) {
      const bit = (c >> (sr - 1 - d)) & 1;
      const dim = spatialShape[d] as number;
      p.push(scaleExtent ? (bit ? dim - 0.5 : -0.5) : bit ? dim - 1 : 0);
    }
    p.push(1);
    corners.push(p);
  }
  let x: Matrix;
  try {
    x = solveMatrix(outA, inA);
  } catch {
    throw new RangeError('the output affine is not invertible');
  }
  const cornersOut = corners.map((p) => matvec(x, p));
  const cornersWorld = corners.map((p) => matvec(inA, p));
  const allDist = cornersOut.map((p) => p.slice(0, sr));
  const outShape: number[] = [];
  for (let d = 0; d < sr; d++) {
    const vals = cornersOut.map((p) => (p[d] as number) / (p[sr] as number));
    const ptp = Math.max(...vals) - Math.min(...vals);
    outShape.push(roundHalfEven(scaleExtent ? ptp : ptp + 1));
  }
  let offset: number[] | null = null;
  for (let i = 0; i < nc; i++) {
    const minCorner: number[] = [];
    for (let d = 0; d < sr; d++)
      minCorner.push(
        Math.min(...allDist.map((p) => (p[d] as number) - ((allDist[i] as number[])[d] as number))),
      );
    if (allCloseZero(minCorner)) {
      offset = (cornersWorld[i] as number[]).slice(0, sr);
      break;
    }
  }
  if (offset === null) {
    offset = [];
    for (let r = 0; r < sr; r++) {
      let s = 0;
      for (let c = 0; c < sr; c++)
        s += ((inA[r] as number[])[c] as number) * ((spatialShape[c] as number) / 2);
      s += (inA[r] as number[])[sr] as number;
      for (let c = 0; c < sr; c++) s -= ((outA[r] as number[])[c] as number) * ((outShape[c] as number) / 2);
      offset.push(s);
    }
  }
  if (scaleExtent) {
    const inOff = spatialShape.map((s, i) => 0.5 * (s / (outShape[i] as number) - 1));
    inOff.push(1);
    const w = matvec(inA, inOff);
    offset = offset.map((o, r) => Math.abs(w[r] as number) * Math.sign(o));
  }
  return { shape: outShape, offset };
}

/** `[x, x, ...]` of length n from a scalar or a sequence (MONAI `ensure_tuple_rep`); throws on a wrong length. */
export function ensureTupleRep<T>(v: T | readonly T[], n: number, what: string): T[] {
  if (!Array.isArray(v)) return Array.from({ length: n }, () => v as T);
  if (v.length === n) return [...(v as T[])];
  if (v.length === 1) return Array.from({ length: n }, () => v[0] as T);
  throw new RangeError(`${what} must have 1 or ${n} values, got ${v.length}`);
}

/** MONAI `fall_back_tuple`: non-positive (or missing) entries of `user` take the value of `fallback`. */
export function fallBackTuple(
  user: number | readonly number[] | null | undefined,
  fallback: readonly number[],
): number[] {
  if (user === null || user === undefined) return [...fallback];
  const u = typeof user === 'number' ? fallback.map(() => user) : user;
  return fallback.map((f, i) => {
    const v = u[i];
    return v !== undefined && v > 0 ? v : f;
  });
}
