import { TransformError } from '../../src/errors.js';
import type { DType, NumericArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import { allocFloat, computeDTypeOf, finiteMinMax, meanStd, requireFinite } from './intensity-utils.js';
import { checkedOptions } from '../option-check.js';
import { rounder } from '../../src/image/numerics.js';

/** Options of {@link AdjustContrast}. */
export interface AdjustContrastOptions {
  /** Gamma of `((x - min) / range) ** gamma * range + min`. */
  gamma: number;
  /** Negate the image before and after the gamma transform (nnU-Net style). */
  invertImage?: boolean;
  /** Restore the input's mean and (sample) std afterwards. */
  retainStats?: boolean;
}

/** torch's `pow(tensor, scalar)` for a float tensor: special cases, else `pow` with the exponent in the tensor's precision. */
function powFn(gamma: number, f: (x: number) => number): (x: number) => number {
  if (gamma === 0.5) return (x) => f(Math.sqrt(x));
  if (gamma === -0.5) return (x) => f(1 / f(Math.sqrt(x)));
  if (gamma === -1) return (x) => f(1 / x);
  if (gamma === 2) return (x) => f(x * x);
  if (gamma === 3) return (x) => f(f(x * x) * x);
  if (gamma === -2) return (x) => f(1 / f(x * x));
  const g = f(gamma);
  return (x) => f(Math.pow(x, g));
}

/**
 * The AdjustContrast kernel (MONAI): `((x - min) / (range + 1e-7)) ** gamma * range + min`, in torch's
 * precision (float32 unless float64), optionally inverting the image and retaining its mean and sample
 * std. Returns values in float32 (float64 for float64 input), as MONAI.
 */
export function adjustContrastArray(
  data: NumericArray,
  inputDType: DType,
  options: AdjustContrastOptions,
): { data: Float32Array | Float64Array; dtype: DType } {
  const compute = computeDTypeOf(inputDType);
  const f = rounder(compute);
  const n = data.length;
  const x = allocFloat(compute, n);
  const sign = options.invertImage ? -1 : 1;
  for (let i = 0; i < n; i++) x[i] = sign * (data[i] as number);
  const { min, max } = finiteMinMax('AdjustContrast', x, 'minimum and maximum');
  const before = options.retainStats ? meanStd(x, 1) : null;
  const range = f(max - min);
  const denom = f(range + f(1e-7));
  const pow = powFn(options.gamma, f);
  const out = allocFloat(compute, n);
  for (let i = 0; i < n; i++) out[i] = f(f(pow(f(f((x[i] as number) - min) / denom)) * range) + min);
  if (before) {
    const mn = f(before.mean);
    const sd = f(before.std);
    const m1 = f(meanStd(out, 0).mean);
    for (let i = 0; i < n; i++) out[i] = f((out[i] as number) - m1);
    const s1 = f(f(meanStd(out, 1).std) + f(1e-8));
    for (let i = 0; i < n; i++) out[i] = f(f(sd * f((out[i] as number) / s1)) + mn);
  }
  if (options.invertImage) for (let i = 0; i < n; i++) out[i] = -(out[i] as number);
  return { data: out, dtype: compute };
}

/** AdjustContrast on one image (a new MetaImage, float32 unless float64). */
export function adjustContrast(img: MetaImage, options: AdjustContrastOptions): MetaImage {
  const r = adjustContrastArray(img.data, img.dtype, options);
  return img.clone({ data: r.data, dtype: r.dtype });
}

function checkOptions(name: string, o: AdjustContrastOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new TransformError(name, undefined, 'options { gamma } are required');
  requireFinite(name, 'gamma', o.gamma);
}

/**
 * Gamma contrast adjustment (MONAI `AdjustContrast`); RandAdjustContrast draws `gamma` and calls this.
 *
 * @example
 * await new AdjustContrast({ gamma: 1.5 }).apply(img);
 */
export class AdjustContrast extends ImageTransform<AdjustContrastOptions> {
  constructor(options: AdjustContrastOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('AdjustContrast', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return adjustContrast(img, this.options);
  }
}

/** Dictionary twin of {@link AdjustContrast}. */
export class AdjustContrastd extends ImageMapTransform<MapTransformOptions & AdjustContrastOptions> {
  constructor(options: MapTransformOptions & AdjustContrastOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('AdjustContrastd', options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return adjustContrast(img, this.options);
  }
}
