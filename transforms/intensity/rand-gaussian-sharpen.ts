import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { type GaussianApprox, checkGaussianApprox, gaussianFilter } from './gaussian-filter.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/**
 * MONAI `GaussianSharpen`: `b = G(sigma1) * x`, `out = b + alpha * (b - G(sigma2) * b)`, float32 with
 * MONAI's GaussianFilter (zero padding).
 */
export function gaussianSharpen(
  img: MetaImage,
  sigma1: number | readonly number[],
  sigma2: number | readonly number[],
  alpha: number,
  approx: GaussianApprox = 'erf',
): MetaImage {
  const x = img.data instanceof Float32Array ? img.data : Float32Array.from(img.data as ArrayLike<number>);
  const b = gaussianFilter(x, img.shape, sigma1, { approx });
  const bb = gaussianFilter(b, img.shape, sigma2, { approx });
  const a = Math.fround(alpha);
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i++) {
    const bi = b[i] as number;
    out[i] = bi + Math.fround(a * Math.fround(bi - (bb[i] as number)));
  }
  return img.clone({ data: out, dtype: 'float32' });
}

/** A `[min, max]` range of a uniform draw. */
export type SharpenRange = readonly [number, number];

/** Options of {@link RandGaussianSharpen}. */
export interface RandGaussianSharpenOptions extends RandomizableOptions {
  /** Range of the first sigma along x (default [0.5, 1.0]); likewise y and z. */
  sigma1X?: SharpenRange;
  sigma1Y?: SharpenRange;
  sigma1Z?: SharpenRange;
  /** Second sigma along x: a range, or a lower bound whose upper bound is the drawn first sigma (default 0.5). */
  sigma2X?: number | SharpenRange;
  sigma2Y?: number | SharpenRange;
  sigma2Z?: number | SharpenRange;
  /** Range of the sharpening weight (default [10, 30]). */
  alpha?: SharpenRange;
  /** Discrete kernel: `'erf'` (default), `'sampled'` or `'scalespace'`. */
  approx?: GaussianApprox;
}

function rangeOf(v: unknown, fallback: SharpenRange, name: string, option: string): SharpenRange {
  if (v === undefined) return fallback;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    return [v[0] as number, v[1] as number];
  throw new TransformError(name, undefined, `${option} must be a pair [min, max] of numbers`);
}

/**
 * Random Gaussian sharpening (MONAI `RandGaussianSharpen`): `R.rand() < prob`, then uniform draws of
 * x1, y1, z1, x2, y2, z2 and alpha in that order.
 *
 * @example
 * await new RandGaussianSharpen({ alpha: [5, 10], prob: 1 }).setRandomState(0).apply(img);
 */
export class RandGaussianSharpen extends RandImageTransform<RandGaussianSharpenOptions> {
  /** The last drawn first sigmas, second sigmas and alpha. */
  sigma1: number[] = [];
  sigma2: number[] = [];
  alpha = 0;

  constructor(options: RandGaussianSharpenOptions = {}) {
    const name = 'RandGaussianSharpen';
    for (const k of ['sigma1X', 'sigma1Y', 'sigma1Z', 'alpha'] as const) rangeOf(options[k], [0, 1], name, k);
    for (const k of ['sigma2X', 'sigma2Y', 'sigma2Z'] as const)
      if (typeof options[k] !== 'number') rangeOf(options[k], [0, 1], name, k);
    checkGaussianApprox(name, options.approx);
    super(options);
  }

  randomizeFor(): void {
    this.randomize();
    if (!this.doTransform) return;
    const o = this.options;
    const d: SharpenRange = [0.5, 1.0];
    const s1 = [o.sigma1X, o.sigma1Y, o.sigma1Z].map((r) => {
      const [lo, hi] = rangeOf(r, d, this.name, 'sigma1');
      return this.R.uniform(lo, hi);
    });
    this.sigma1 = s1;
    this.sigma2 = [o.sigma2X, o.sigma2Y, o.sigma2Z].map((r, i) => {
      const [lo, hi] = typeof r === 'number' || r === undefined ? [r ?? 0.5, s1[i] as number] : r;
      return this.R.uniform(lo, hi);
    });
    const [alo, ahi] = rangeOf(o.alpha, [10, 30], this.name, 'alpha');
    this.alpha = this.R.uniform(alo, ahi);
  }

  transformImage(img: MetaImage): MetaImage {
    const n = img.spatialDims;
    const fit = (v: number[]) => Array.from({ length: n }, (_, i) => v[i] ?? (v[v.length - 1] as number));
    const approx = this.options.approx ?? 'erf';
    return gaussianSharpen(img, fit(this.sigma1), fit(this.sigma2), this.alpha, approx);
  }
}

/** Options of {@link RandGaussianSharpend}. */
export interface RandGaussianSharpendOptions extends MapTransformOptions, RandGaussianSharpenOptions {}

/** Dictionary twin of {@link RandGaussianSharpen}: one draw for all keys. */
export class RandGaussianSharpend extends RandImageMapTransform<
  RandGaussianSharpen,
  RandGaussianSharpendOptions
> {
  constructor(options: RandGaussianSharpendOptions) {
    super(options, new RandGaussianSharpen(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
