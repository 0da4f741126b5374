import { TransformError } from '../../src/errors.js';
import { type DType, type NumericArray, allocArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import {
  allocFloat,
  castOutput,
  channelViews,
  computeDTypeOf,
  dtypeOption,
  rejectNaN,
  requirePercentile,
} from './intensity-utils.js';
import { percentile } from './percentile.js';
import { checkedOptions } from '../option-check.js';
import { type ComputeDType, rounder } from '../../src/image/numerics.js';

/** Options of {@link ClipIntensityPercentiles}. */
export interface ClipIntensityPercentilesOptions {
  /** Lower percentile in [0, 100]; null: no clipping from below. */
  lower: number | null;
  /** Upper percentile in [0, 100]; null: no clipping from above. */
  upper: number | null;
  /**
   * Soft clipping: `x + softplus(-c(x - lo))/c - softplus(c(x - hi))/c` with `c` this factor
   * (a null side is left alone). Default null: hard clipping.
   */
  sharpnessFactor?: number | null;
  /** Percentiles and clipping per channel. */
  channelWise?: boolean;
  /** Store the clipping values in `meta.clipping_values` (one `[lower, upper]` per channel or one in all). */
  returnClippingValues?: boolean;
  /** dtype of the soft-clipping computation (default float32); the result keeps the input dtype. */
  dtype?: DType | null;
}

/**
 * MONAI's `soft_clip` on float values: `x + softplus(-c(x-minv))/c - softplus(c(x-maxv))/c`
 * (softplus as torch: beta 1, threshold 20), rounded at each step to `precision` as torch computes
 * (a null bound is skipped).
 */
export function softClipArray(
  data: ArrayLike<number>,
  sharpnessFactor: number,
  minv: number | null,
  maxv: number | null,
  precision: ComputeDType = 'float32',
): Float32Array | Float64Array {
  const f = rounder(precision);
  const softplus = (x: number): number => (x > 20 ? x : f(Math.log1p(Math.exp(x))));
  const c = f(sharpnessFactor);
  const negC = f(-sharpnessFactor);
  const lo = minv === null ? null : f(minv);
  const hi = maxv === null ? null : f(maxv);
  const out = allocFloat(precision, data.length);
  for (let i = 0; i < data.length; i++) {
    const x = f(data[i] as number);
    let v = x;
    if (lo !== null) v = f(v + f(softplus(f(negC * f(x - lo))) / c));
    if (hi !== null) v = f(v - f(softplus(f(c * f(x - hi))) / c));
    out[i] = v;
  }
  return out;
}

function clipOne(
  data: NumericArray,
  inputDType: DType,
  o: ClipIntensityPercentilesOptions,
): { data: NumericArray; values: [number | null, number | null] } {
  rejectNaN('ClipIntensityPercentiles', data, 'percentiles');
  const precision = computeDTypeOf(inputDType);
  const sharp = o.sharpnessFactor ?? null;
  if (sharp !== null) {
    const lo = o.lower === null ? null : percentile(data, o.lower, { precision });
    const hi = o.upper === null ? null : percentile(data, o.upper, { precision });
    const compute = computeDTypeOf(dtypeOption('ClipIntensityPercentiles', o.dtype) ?? inputDType);
    const clipped = softClipArray(data, sharp, lo, hi, compute);
    return { data: castOutput(clipped, inputDType), values: [lo, hi] };
  }
  const [lo, hi] = percentile(data, [o.lower ?? 0, o.upper ?? 100], { precision }) as [number, number];
  const f = rounder(precision);
  const lo32 = f(lo);
  const hi32 = f(hi);
  const out = allocArray(inputDType, data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    out[i] = v < lo32 ? lo32 : v > hi32 ? hi32 : v;
  }
  return { data: out, values: [lo, hi] };
}

/**
 * The ClipIntensityPercentiles kernel on a channel-first array: hard (`clamp` between the
 * percentiles; a null bound uses the 0th/100th percentile) or soft clipping. Keeps the input dtype.
 * Returns the clipping values too (one pair per channel with `channelWise`).
 */
export function clipIntensityPercentilesArray(
  data: NumericArray,
  shape: readonly number[],
  inputDType: DType,
  options: ClipIntensityPercentilesOptions,
): { data: NumericArray; clippingValues: [number | null, number | null][] } {
  if (!options.channelWise) {
    const r = clipOne(data, inputDType, options);
    return { data: r.data, clippingValues: [r.values] };
  }
  const out = allocArray(inputDType, data.length);
  const values: [number | null, number | null][] = [];
  let off = 0;
  for (const ch of channelViews(data, shape)) {
    const r = clipOne(ch, inputDType, options);
    out.set(r.data, off);
    off += ch.length;
    values.push(r.values);
  }
  return { data: out, clippingValues: values };
}

/** ClipIntensityPercentiles on one image (a new MetaImage, same dtype). */
export function clipIntensityPercentiles(
  img: MetaImage,
  options: ClipIntensityPercentilesOptions,
): MetaImage {
  const r = clipIntensityPercentilesArray(img.data, img.shape, img.dtype, options);
  const out = img.clone({ data: r.data, dtype: img.dtype });
  if (options.returnClippingValues) out.meta.clipping_values = r.clippingValues;
  return out;
}

function checkOptions(name: string, o: ClipIntensityPercentilesOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new TransformError(name, undefined, 'options { lower, upper } are required');
  const lower = o.lower === null || o.lower === undefined ? null : requirePercentile(name, 'lower', o.lower);
  const upper = o.upper === null || o.upper === undefined ? null : requirePercentile(name, 'upper', o.upper);
  if (lower === null && upper === null)
    throw new TransformError(name, undefined, 'lower or upper percentile must be given');
  if (lower !== null && upper !== null && upper < lower)
    throw new TransformError(
      name,
      undefined,
      `upper (${upper}) must be greater than or equal to lower (${lower})`,
    );
  const s = o.sharpnessFactor;
  if (s !== null && s !== undefined && !(typeof s === 'number' && Number.isFinite(s) && s > 0))
    throw new TransformError(name, undefined, `sharpnessFactor must be a positive number, got ${String(s)}`);
  dtypeOption(name, o.dtype);
}

function normalised(o: ClipIntensityPercentilesOptions): ClipIntensityPercentilesOptions {
  return { ...o, lower: o.lower ?? null, upper: o.upper ?? null };
}

/**
 * Clips intensities to the [lower, upper] percentiles of the image (MONAI
 * `ClipIntensityPercentiles`), hard or soft (`sharpnessFactor`). The dtype is kept.
 *
 * @example
 * await new ClipIntensityPercentiles({ lower: null, upper: 90 }).apply(ct);
 */
export class ClipIntensityPercentiles extends ImageTransform<ClipIntensityPercentilesOptions> {
  constructor(options: ClipIntensityPercentilesOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('ClipIntensityPercentiles', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return clipIntensityPercentiles(img, normalised(this.options));
  }
}

/** Dictionary twin of {@link ClipIntensityPercentiles}. */
export class ClipIntensityPercentilesd extends ImageMapTransform<
  MapTransformOptions & ClipIntensityPercentilesOptions
> {
  constructor(options: MapTransformOptions & ClipIntensityPercentilesOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('ClipIntensityPercentilesd', options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return clipIntensityPercentiles(img, normalised(this.options));
  }
}
