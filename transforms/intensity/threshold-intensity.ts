import { TransformError } from '../../src/errors.js';
import { type DType, type NumericArray, allocArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { DataItem } from '../transform.js';
import { ImageMapTransform, ImageTransform } from './image-transform.js';
import { castOutput, computeDTypeOf, requireFinite } from './intensity-utils.js';
import { checkedOptions } from '../option-check.js';
import { rounder } from '../../src/image/numerics.js';

/** Options of {@link ThresholdIntensity}. */
export interface ThresholdIntensityOptions {
  /** The threshold. */
  threshold: number;
  /** Keep values above the threshold (`x > threshold`, default true) or below it (`x < threshold`). */
  above?: boolean;
  /** Value given to the other voxels (default 0), cast to the image's dtype. */
  cval?: number;
}

/**
 * The ThresholdIntensity kernel: keeps `x > threshold` (or `x < threshold` when `above` is false) and
 * sets the rest to `cval`. Compares in torch's precision (float32 unless the data is float64);
 * the output keeps the input dtype.
 */
export function thresholdIntensityArray(
  data: NumericArray,
  inputDType: DType,
  options: ThresholdIntensityOptions,
): NumericArray {
  const f = rounder(computeDTypeOf(inputDType));
  const t = f(options.threshold);
  const above = options.above ?? true;
  const cval = castOutput(Float64Array.of(options.cval ?? 0), inputDType)[0] as number;
  const out = allocArray(inputDType, data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    out[i] = (above ? v > t : v < t) ? v : cval;
  }
  return out;
}

/** ThresholdIntensity on one image (a new MetaImage, same dtype). */
export function thresholdIntensity(img: MetaImage, options: ThresholdIntensityOptions): MetaImage {
  return img.clone({ data: thresholdIntensityArray(img.data, img.dtype, options), dtype: img.dtype });
}

function checkOptions(name: string, o: ThresholdIntensityOptions): void {
  if (typeof o !== 'object' || o === null)
    throw new TransformError(name, undefined, 'options { threshold, ... } are required');
  requireFinite(name, 'threshold', o.threshold);
  if (o.cval !== undefined) requireFinite(name, 'cval', o.cval);
}

/**
 * Keeps intensities above (or below) a threshold and fills the rest with `cval` (MONAI
 * `ThresholdIntensity`).
 *
 * @example
 * await new ThresholdIntensity({ threshold: 0, above: true, cval: -1000 }).apply(ct);
 */
export class ThresholdIntensity extends ImageTransform<ThresholdIntensityOptions> {
  constructor(options: ThresholdIntensityOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('ThresholdIntensity', options);
    super(options);
  }

  transformImage(img: MetaImage): MetaImage {
    return thresholdIntensity(img, this.options);
  }
}

/** Dictionary twin of {@link ThresholdIntensity}. */
export class ThresholdIntensityd extends ImageMapTransform<MapTransformOptions & ThresholdIntensityOptions> {
  constructor(options: MapTransformOptions & ThresholdIntensityOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('ThresholdIntensityd', options);
    super(options);
  }

  protected transformKey(img: MetaImage, _key: string, _i: number, _d: DataItem): MetaImage {
    return thresholdIntensity(img, this.options);
  }
}
