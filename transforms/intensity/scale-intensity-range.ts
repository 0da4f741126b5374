import { TransformError } from '../../src/errors.js';
import type { DType, NumericArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import {
  allocFloat,
  castOutput,
  computeDTypeOf,
  dtypeOption,
  optionalFinite,
  requireFinite,
} from './intensity-utils.js';
import { checkedOptions } from '../option-check.js';
import { type ComputeDType, rounder } from '../../src/image/numerics.js';

/** Options of {@link ScaleIntensityRange}. */
export interface ScaleIntensityRangeOptions {
  /** Intensity range start (input). */
  aMin: number;
  /** Intensity range end (input). */
  aMax: number;
  /** Target range start; with `bMax` null or missing only `(x - aMin)/(aMax - aMin)` is computed. */
  bMin?: number | null;
  /** Target range end. */
  bMax?: number | null;
  /** Clip the result to [bMin, bMax] (a null side is not clipped). */
  clip?: boolean;
  /** Output dtype (default `'float32'`; `null` keeps the computed dtype). */
  dtype?: DType | null;
}

/**
 * The ScaleIntensityRange kernel: `(x - aMin) / (aMax - aMin) * (bMax - bMin) + bMin`, then clip,
 * each step rounded as torch computes on the input (float32 unless it is float64). When
 * `aMax == aMin` MONAI returns `x - aMin (+ bMin)` without casting; so do we.
 * Returns the values and their dtype.
 */
export function scaleIntensityRangeArray(
  data: ArrayLike<number>,
  inputDType: DType,
  options: ScaleIntensityRangeOptions,
): { data: NumericArray; dtype: DType } {
  const compute: ComputeDType = computeDTypeOf(inputDType);
  const f = rounder(compute);
  const { aMin, aMax } = options;
  const bMin = options.bMin ?? null;
  const bMax = options.bMax ?? null;
  const out = allocFloat(compute, data.length);
  const a0 = f(aMin);
  if (aMax - aMin === 0) {
    // MONAI warns "Divide by zero (a_min == a_max)" and shifts only.
    const b0 = bMin === null ? 0 : f(bMin);
    for (let i = 0; i < data.length; i++) out[i] = f(f((data[i] as number) - a0) + b0);
    return { data: out, dtype: compute };
  }
  const denom = f(aMax - aMin);
  const scale = bMin !== null && bMax !== null ? f(bMax - bMin) : null;
  const offset = bMin === null ? 0 : f(bMin);
  const clip = options.clip ?? false;
  const lo = clip && bMin !== null ? f(bMin) : -Infinity;
  const hi = clip && bMax !== null ? f(bMax) : Infinity;
  const n = data.length;
  // the same arithmetic in straight loops (a direct Math.fround, or none in float64), then the
  // clip as a pass of its own: V8 compiles the clip inside the arithmetic loop to a slower loop
  if (compute === 'float32') {
    const fr = Math.fround;
    if (scale !== null)
      for (let i = 0; i < n; i++) out[i] = fr(fr(fr(fr((data[i] as number) - a0) / denom) * scale) + offset);
    else for (let i = 0; i < n; i++) out[i] = fr((data[i] as number) - a0) / denom;
  } else if (scale !== null)
    for (let i = 0; i < n; i++) out[i] = (((data[i] as number) - a0) / denom) * scale + offset;
  else for (let i = 0; i < n; i++) out[i] = ((data[i] as number) - a0) / denom;
  if (lo > -Infinity || hi < Infinity)
    for (let i = 0; i < n; i++) {
      const v = out[i] as number;
      if (v < lo) out[i] = lo;
      else if (v > hi) out[i] = hi;
    }
  const dtype = dtypeOption('ScaleIntensityRange', options.dtype) ?? compute;
  return { data: castOutput(out, dtype), dtype };
}

/** ScaleIntensityRange on one image (a new MetaImage). */
export function scaleIntensityRange(img: MetaImage, options: ScaleIntensityRangeOptions): MetaImage {
  const r = scaleIntensityRangeArray(img.data, img.dtype, options);
  return img.clone({ data: r.data, dtype: r.dtype });
}

function checkOptions(name: string, o: ScaleIntensityRangeOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new TransformError(name, undefined, 'options { aMin, aMax, ... } are required');
  requireFinite(name, 'aMin', o.aMin);
  requireFinite(name, 'aMax', o.aMax);
  const bMin = optionalFinite(name, 'bMin', o.bMin);
  const bMax = optionalFinite(name, 'bMax', o.bMax);
  if (o.clip && bMin === null && bMax === null)
    throw new TransformError(name, undefined, 'clip: true needs bMin and/or bMax to clip to');
  dtypeOption(name, o.dtype);
}

/**
 * Linear intensity windowing from [aMin, aMax] to [bMin, bMax] with optional clipping (MONAI
 * `ScaleIntensityRange`), e.g. a CT window. Output float32 unless `dtype` says otherwise.
 *
 * @example
 * await new ScaleIntensityRange({ aMin: -1000, aMax: 400, bMin: 0, bMax: 1, clip: true }).apply(ct);
 */
export class ScaleIntensityRange extends ImageTransform<ScaleIntensityRangeOptions> {
  constructor(options: ScaleIntensityRangeOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('ScaleIntensityRange', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return scaleIntensityRange(img, this.options);
  }
}

/** Dictionary twin of {@link ScaleIntensityRange}. */
export class ScaleIntensityRanged extends ImageMapTransform<
  MapTransformOptions & ScaleIntensityRangeOptions
> {
  constructor(options: MapTransformOptions & ScaleIntensityRangeOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('ScaleIntensityRanged', options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return scaleIntensityRange(img, this.options);
  }
}
