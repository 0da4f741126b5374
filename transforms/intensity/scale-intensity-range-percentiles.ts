import { TransformError } from '../../src/errors.js';
import { type DType, type NumericArray, allocArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import {
  castOutput,
  channelViews,
  computeDTypeOf,
  dtypeOption,
  optionalFinite,
  rejectNaN,
  requirePercentile,
} from './intensity-utils.js';
import { percentile } from './percentile.js';
import { scaleIntensityRangeArray } from './scale-intensity-range.js';
import { checkedOptions } from '../option-check.js';

/** Options of {@link ScaleIntensityRangePercentiles}. */
export interface ScaleIntensityRangePercentilesOptions {
  /** Lower intensity percentile, in [0, 100]. */
  lower: number;
  /** Upper intensity percentile, in [0, 100]. */
  upper: number;
  /** Target range start (null: no rescaling to a target range). */
  bMin: number | null;
  /** Target range end. */
  bMax: number | null;
  /** Clip the result to [bMin, bMax] (the relative bounds when `relative`). */
  clip?: boolean;
  /** Scale to the same percentiles of [bMin, bMax] instead of to [bMin, bMax]. */
  relative?: boolean;
  /** Compute the percentiles and scale each channel separately. */
  channelWise?: boolean;
  /** Output dtype (default `'float32'`, as MONAI's `convert_to_dst_type(..., dtype=self.dtype)`); null keeps the input's. */
  dtype?: DType | null;
}

function scaleOne(
  data: NumericArray,
  inputDType: DType,
  o: ScaleIntensityRangePercentilesOptions,
): NumericArray {
  rejectNaN('ScaleIntensityRangePercentiles', data, 'percentiles');
  const precision = computeDTypeOf(inputDType);
  const [aMin, aMax] = percentile(data, [o.lower, o.upper], { precision }) as [number, number];
  let bMin = o.bMin;
  let bMax = o.bMax;
  if (o.relative) {
    if (o.bMin === null || o.bMax === null)
      throw new TransformError(
        'ScaleIntensityRangePercentiles',
        undefined,
        'relative: true needs bMin and bMax',
      );
    bMin = (o.bMax - o.bMin) * (o.lower / 100) + o.bMin;
    bMax = (o.bMax - o.bMin) * (o.upper / 100) + o.bMin;
  }
  return scaleIntensityRangeArray(data, inputDType, {
    aMin,
    aMax,
    bMin,
    bMax,
    clip: o.clip ?? false,
    dtype: o.dtype,
  }).data;
}

/** The output dtype of ScaleIntensityRangePercentiles: `dtype` (default float32), or the input's for null. */
export function percentilesOutputDType(
  inputDType: DType,
  options: ScaleIntensityRangePercentilesOptions,
): DType {
  return dtypeOption('ScaleIntensityRangePercentiles', options.dtype, 'float32') ?? inputDType;
}

/**
 * The ScaleIntensityRangePercentiles kernel on a channel-first array: percentiles as MONAI computes
 * them ({@link percentile}), then ScaleIntensityRange; the result has `dtype` (default float32), as MONAI.
 */
export function scaleIntensityRangePercentilesArray(
  data: NumericArray,
  shape: readonly number[],
  inputDType: DType,
  options: ScaleIntensityRangePercentilesOptions,
): NumericArray {
  const out = percentilesOutputDType(inputDType, options);
  if (!options.channelWise) return castOutput(scaleOne(data, inputDType, options), out);
  const parts = channelViews(data, shape).map((ch) => castOutput(scaleOne(ch, inputDType, options), out));
  const result = allocArray(out, data.length);
  let off = 0;
  for (const p of parts) {
    result.set(p, off);
    off += p.length;
  }
  return result;
}

/** ScaleIntensityRangePercentiles on one image (a new MetaImage of the output dtype). */
export function scaleIntensityRangePercentiles(
  img: MetaImage,
  options: ScaleIntensityRangePercentilesOptions,
): MetaImage {
  return img.clone({
    data: scaleIntensityRangePercentilesArray(img.data, img.shape, img.dtype, options),
    dtype: percentilesOutputDType(img.dtype, options),
  });
}

function checkOptions(name: string, o: ScaleIntensityRangePercentilesOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new TransformError(name, undefined, 'options { lower, upper, bMin, bMax, ... } are required');
  requirePercentile(name, 'lower', o.lower);
  requirePercentile(name, 'upper', o.upper);
  const bMin = optionalFinite(name, 'bMin', o.bMin);
  const bMax = optionalFinite(name, 'bMax', o.bMax);
  if (o.relative && (bMin === null || bMax === null))
    throw new TransformError(name, undefined, 'relative: true needs both bMin and bMax');
  if (o.clip && bMin === null && bMax === null)
    throw new TransformError(name, undefined, 'clip: true needs bMin and/or bMax to clip to');
  dtypeOption(name, o.dtype);
}

/**
 * Scales from the [lower, upper] intensity percentiles of the image to [bMin, bMax] (MONAI
 * `ScaleIntensityRangePercentiles`); `relative` maps to the same percentiles of [bMin, bMax].
 *
 * @example
 * await new ScaleIntensityRangePercentiles({ lower: 5, upper: 95, bMin: 0, bMax: 1, clip: true }).apply(img);
 */
export class ScaleIntensityRangePercentiles extends ImageTransform<ScaleIntensityRangePercentilesOptions> {
  constructor(options: ScaleIntensityRangePercentilesOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('ScaleIntensityRangePercentiles', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return scaleIntensityRangePercentiles(img, this.options);
  }
}

/** Dictionary twin of {@link ScaleIntensityRangePercentiles}. */
export class ScaleIntensityRangePercentilesd extends ImageMapTransform<
  MapTransformOptions & ScaleIntensityRangePercentilesOptions
> {
  constructor(options: MapTransformOptions & ScaleIntensityRangePercentilesOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('ScaleIntensityRangePercentilesd', options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return scaleIntensityRangePercentiles(img, this.options);
  }
}
