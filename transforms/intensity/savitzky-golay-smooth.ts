import { matmul, transpose } from '../../src/image/affine.js';
import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { separableFilter } from './gaussian-filter.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import { checkedOptions } from '../option-check.js';

/** Options of {@link SavitzkyGolaySmooth}. */
export interface SavitzkyGolaySmoothOptions {
  /** Odd window length. */
  windowLength: number;
  /** Polynomial order (< windowLength). */
  order: number;
  /** Axis to smooth, channel axis 0 included (default 1: the first spatial axis). */
  axis?: number;
  /** Border handling: only `'zeros'` (zero padding, MONAI's default) is implemented. */
  mode?: 'zeros';
}

function check(o: SavitzkyGolaySmoothOptions, where: string): void {
  const w = o?.windowLength;
  if (!Number.isInteger(w) || w < 1 || w % 2 === 0)
    throw new TransformError(
      where,
      undefined,
      `windowLength must be an odd positive integer, got ${String(w)}`,
    );
  if (!Number.isInteger(o.order) || o.order < 0 || o.order >= w)
    throw new TransformError(
      where,
      undefined,
      `order must be an integer in 0..windowLength-1, got ${String(o.order)}`,
    );
  if (o.mode !== undefined && o.mode !== 'zeros')
    throw new TransformError(where, undefined, `mode '${String(o.mode)}' is not implemented: use 'zeros'`);
}

/**
 * Savitzky–Golay smoothing coefficients as MONAI's `SavitzkyGolayFilter._make_coeffs`: the minimum-norm
 * solution of `A c = e0` with `A[p][k] = idx[k]^p`, `idx = half, ..., -half` (computed in float64, stored
 * float32; MONAI's float32 lstsq varies by ~1e-7 between runs).
 */
export function savitzkyGolayCoeffs(windowLength: number, order: number): Float32Array {
  const half = (windowLength - 1) / 2;
  const idx = Array.from({ length: windowLength }, (_, k) => half - k);
  const m = order + 1;
  const A = Array.from({ length: m }, (_, p) => idx.map((x) => x ** p));
  // c = Aᵀ (A Aᵀ)⁻¹ e0: solve (A Aᵀ) z = e0 by Gauss–Jordan elimination with partial pivoting. Not the
  // shared LU solveMatrix: for high orders (≥ 14) and order = windowLength − 1 the system is
  // ill-conditioned and the two round differently in float32, so this keeps the coefficients as they were.
  const At = transpose(A);
  const G = matmul(A, At);
  const z: number[] = Array.from({ length: m }, (_, i) => (i === 0 ? 1 : 0));
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let r = col + 1; r < m; r++)
      if (Math.abs((G[r] as number[])[col] as number) > Math.abs((G[piv] as number[])[col] as number))
        piv = r;
    [G[col], G[piv]] = [G[piv] as number[], G[col] as number[]];
    [z[col], z[piv]] = [z[piv] as number, z[col] as number];
    const g = G[col] as number[];
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const gr = G[r] as number[];
      const f = (gr[col] as number) / (g[col] as number);
      for (let k = col; k < m; k++) gr[k] = (gr[k] as number) - f * (g[k] as number);
      z[r] = (z[r] as number) - f * (z[col] as number);
    }
  }
  const sol = z.map((v, i) => v / ((G[i] as number[])[i] as number));
  return Float32Array.from(
    matmul(
      At,
      sol.map((v) => [v]),
    ),
    (row) => row[0] as number,
  );
}

/** MONAI `SavitzkyGolaySmooth` on one image: float32 out, zero padding along `axis`. */
export function savitzkyGolaySmooth(
  img: MetaImage,
  options: SavitzkyGolaySmoothOptions,
  where = 'SavitzkyGolaySmooth',
): MetaImage {
  check(options, where);
  const axis = options.axis ?? 1;
  if (!Number.isInteger(axis) || axis < 1 || axis > img.spatialDims)
    throw new TransformError(
      where,
      undefined,
      `axis must be a spatial axis 1..${img.spatialDims}, got ${String(axis)}`,
    );
  const coeffs = savitzkyGolayCoeffs(options.windowLength, options.order);
  const kernels = img.spatialShape.map((_, a) => (a === axis - 1 ? coeffs : [1]));
  const x = img.data instanceof Float32Array ? img.data : Float32Array.from(img.data as ArrayLike<number>);
  return img.clone({ data: separableFilter(x, img.shape, kernels), dtype: 'float32' });
}

/**
 * Savitzky–Golay smoothing along one axis (MONAI `SavitzkyGolaySmooth`).
 *
 * @example
 * await new SavitzkyGolaySmooth({ windowLength: 5, order: 2, axis: 1 }).apply(img);
 */
export class SavitzkyGolaySmooth extends ImageTransform<SavitzkyGolaySmoothOptions> {
  constructor(options: SavitzkyGolaySmoothOptions) {
    checkedOptions(new.target.name, options);
    check(options, 'SavitzkyGolaySmooth');
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return savitzkyGolaySmooth(img, this.options, this.name);
  }
}

/** Options of {@link SavitzkyGolaySmoothd}. */
export interface SavitzkyGolaySmoothdOptions extends MapTransformOptions, SavitzkyGolaySmoothOptions {}

/** Dictionary twin of {@link SavitzkyGolaySmooth}. */
export class SavitzkyGolaySmoothd extends ImageMapTransform<SavitzkyGolaySmoothdOptions> {
  constructor(options: SavitzkyGolaySmoothdOptions) {
    checkedOptions(new.target.name, options);
    check(options, 'SavitzkyGolaySmoothd');
    super(options);
  }

  protected transformKey(img: MetaImage): MetaImage {
    return savitzkyGolaySmooth(img, this.options, this.name);
  }
}
