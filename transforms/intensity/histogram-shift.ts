import { TransformError } from '../../src/errors.js';
import { allocArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { computeDTypeOf, finiteMinMax } from './intensity-utils.js';
import { rounder } from '../../src/image/numerics.js';

/**
 * MONAI RandHistogramShift's deterministic part: maps intensities piecewise-linearly so that the
 * control points `reference` (in [0, 1], increasing, scaled to the image's [min, max]) move to
 * `floating`. Computed as MONAI's torch path (float32: slopes, `searchsorted`, `m*x + b`); values
 * below/above the range get the first/last floating point. A constant image is returned unchanged.
 * The dtype is kept.
 */
export function histogramShift(
  img: MetaImage,
  reference: ArrayLike<number>,
  floating: ArrayLike<number>,
): MetaImage {
  const n = reference.length;
  if (n < 2 || floating.length !== n)
    throw new TransformError(
      'RandHistogramShift',
      undefined,
      `need matching control points (at least 2), got ${n} and ${floating.length}`,
    );
  const f = rounder(computeDTypeOf(img.dtype));
  const { min, max } = finiteMinMax('RandHistogramShift', img.data, 'minimum and maximum');
  if (min === max) return img.clone();
  const range = f(max - min);
  const xp = Array.from({ length: n }, (_, i) => f(f(f(reference[i] as number) * range) + min));
  const fp = Array.from({ length: n }, (_, i) => f(f(f(floating[i] as number) * range) + min));
  const m = new Array<number>(n - 1);
  const b = new Array<number>(n - 1);
  for (let i = 0; i < n - 1; i++) {
    m[i] = f(f((fp[i + 1] as number) - (fp[i] as number)) / f((xp[i + 1] as number) - (xp[i] as number)));
    b[i] = f((fp[i] as number) - f((m[i] as number) * (xp[i] as number)));
  }
  const out = allocArray(img.dtype, img.size);
  const first = xp[0] as number;
  const last = xp[n - 1] as number;
  for (let k = 0; k < img.size; k++) {
    const x = img.data[k] as number;
    // torch.searchsorted (left): first i with xp[i] >= x.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((xp[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    const idx = Math.min(Math.max(lo - 1, 0), n - 2);
    let v = f(f((m[idx] as number) * x) + (b[idx] as number));
    if (x < first) v = fp[0] as number;
    if (x > last) v = fp[n - 1] as number;
    out[k] = v;
  }
  return img.clone({ data: out, dtype: img.dtype });
}
