import { numpyLinspace } from '../../src/image/linspace.js';
import { TransformError } from '../../src/errors.js';
import type { DType } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { castOutput } from './intensity-utils.js';

/** Number of polynomial coefficients MONAI's RandBiasField draws: C(degree + rank, rank). */
export function biasFieldCoeffCount(degree: number, rank: number): number {
  let p = 1;
  for (let k = 1; k <= rank; k++) p *= (degree + k) / k;
  return Math.trunc(p);
}

/** Legendre polynomials P_0..P_degree at each x: `out[d][i]`. */
function legendre(x: Float64Array, degree: number): Float64Array[] {
  const p: Float64Array[] = [new Float64Array(x.length).fill(1)];
  if (degree >= 1) p.push(Float64Array.from(x));
  for (let d = 2; d <= degree; d++) {
    const a = p[d - 1] as Float64Array;
    const b = p[d - 2] as Float64Array;
    const c = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++)
      c[i] = ((2 * d - 1) * (x[i] as number) * (a[i] as number) - (d - 1) * (b[i] as number)) / d;
    p.push(c);
  }
  return p;
}

/**
 * MONAI RandBiasField's field (`_generate_random_field`): a sum of products of Legendre polynomials
 * on `linspace(-1, 1)` grids (float32 coordinates) with total degree ≤ `degree`, coefficients in
 * MONAI's order (2D: `np.tril_indices`, 3D: i, j, k loops). Returns the log-field in float64, C order.
 */
export function biasField(
  spatialShape: readonly number[],
  degree: number,
  coeff: ArrayLike<number>,
): Float64Array {
  const rank = spatialShape.length;
  if (rank !== 2 && rank !== 3)
    throw new TransformError(
      'RandBiasField',
      undefined,
      `only 2D or 3D fields are supported, got ${rank} spatial dimensions`,
    );
  if (!Number.isInteger(degree) || degree < 1)
    throw new TransformError(
      'RandBiasField',
      undefined,
      `degree must be an integer >= 1, got ${String(degree)}`,
    );
  const need = biasFieldCoeffCount(degree, rank);
  if (coeff.length !== need)
    throw new TransformError(
      'RandBiasField',
      undefined,
      `expected ${need} coefficients for degree ${degree} in ${rank}D, got ${coeff.length}`,
    );
  const polys = spatialShape.map((n) => legendre(numpyLinspace(-1, 1, n).map(Math.fround), degree));
  const terms: number[][] = [];
  if (rank === 2) {
    // np.tril_indices(degree + 1): (i, j) with j <= i, row by row.
    for (let i = 0; i <= degree; i++) for (let j = 0; j <= i; j++) terms.push([i, j]);
  } else {
    for (let i = 0; i <= degree; i++)
      for (let j = 0; j <= degree - i; j++) for (let k = 0; k <= degree - i - j; k++) terms.push([i, j, k]);
  }
  const size = spatialShape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(size);
  terms.forEach((t, ti) => {
    const c = coeff[ti] as number;
    if (c === 0) return;
    if (rank === 2) {
      const [nx, ny] = spatialShape as [number, number];
      const px = polys[0]![t[0]!]!;
      const py = polys[1]![t[1]!]!;
      for (let x = 0; x < nx; x++) {
        const cx = c * (px[x] as number);
        for (let y = 0; y < ny; y++) out[x * ny + y]! += cx * (py[y] as number);
      }
    } else {
      const [nx, ny, nz] = spatialShape as [number, number, number];
      const px = polys[0]![t[0]!]!;
      const py = polys[1]![t[1]!]!;
      const pz = polys[2]![t[2]!]!;
      for (let x = 0; x < nx; x++)
        for (let y = 0; y < ny; y++) {
          const cxy = c * (px[x] as number) * (py[y] as number);
          const base = (x * ny + y) * nz;
          for (let z = 0; z < nz; z++) out[base + z]! += cxy * (pz[z] as number);
        }
    }
  });
  return out;
}

/**
 * Multiplies every channel by `exp(field)` (MONAI RandBiasField's deterministic part) and casts to
 * `dtype` (default float32; null keeps the input dtype).
 */
export function applyBiasField(
  img: MetaImage,
  degree: number,
  coeff: ArrayLike<number>,
  dtype: DType | null = 'float32',
): MetaImage {
  const field = biasField(img.spatialShape, degree, coeff);
  const gain = field.map(Math.exp);
  const per = gain.length;
  const out = new Float64Array(img.size);
  for (let c = 0; c < img.numChannels; c++)
    for (let i = 0; i < per; i++) out[c * per + i] = (img.data[c * per + i] as number) * (gain[i] as number);
  const outDType = dtype ?? img.dtype;
  return img.clone({ data: castOutput(out, outDType), dtype: outDType });
}
