import { TransformError } from '../../src/errors.js';
import { type DType, castArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { dtypeOption } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { symmetricRange } from './rand-shift-intensity.js';
import { scaleIntensity } from './scale-intensity.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandScaleIntensity}. */
export interface RandScaleIntensityOptions extends RandomizableOptions {
  /** Range of the factor in `x * (1 + factor)`: `[min, max]`, or `x` for `[-x, x]`. */
  factors: number | readonly [number, number];
  /** Draw one factor per channel. */
  channelWise?: boolean;
  /** Output dtype (default `'float32'`; null keeps the input dtype). */
  dtype?: DType | null;
}

/**
 * Scales intensities by `1 + factor` with `factor = R.uniform(min, max)` drawn after
 * `R.rand() < prob` (MONAI `RandScaleIntensity`). Output in `dtype` (float32), also when not fired.
 *
 * @example
 * await new RandScaleIntensity({ factors: 0.1, prob: 1 }).apply(img);
 */
export class RandScaleIntensity extends RandImageTransform<RandScaleIntensityOptions> {
  readonly factors: [number, number];
  readonly channelWise: boolean;
  readonly dtype: DType | null;
  /** The last drawn factor (per channel with `channelWise`). */
  factor: number | number[];

  constructor(options: RandScaleIntensityOptions) {
    checkedOptions(new.target.name, options);
    const factors = symmetricRange('RandScaleIntensity', 'factors', options?.factors);
    super(options);
    this.factors = factors;
    this.channelWise = options.channelWise ?? false;
    this.dtype = dtypeOption('RandScaleIntensity', options.dtype);
    this.factor = factors[0];
  }

  randomizeFor(img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    const [lo, hi] = this.factors;
    this.factor = this.channelWise
      ? Array.from({ length: img.numChannels }, () => this.R.uniform(lo, hi))
      : this.R.uniform(lo, hi);
  }

  override notFired(img: MetaImage): MetaImage {
    const dtype = this.dtype ?? img.dtype;
    return img.clone({ data: castArray(img.data, dtype), dtype });
  }

  transformImage(img: MetaImage): MetaImage {
    const opts = { minv: null, maxv: null, dtype: this.dtype };
    const f = this.factor;
    if (typeof f === 'number') return scaleIntensity(img, { ...opts, factor: f });
    if (f.length !== img.numChannels)
      throw new TransformError(
        this.name,
        undefined,
        `drew ${f.length} channel factors but the image has ${img.numChannels} channels`,
      );
    const per = img.size / img.numChannels;
    const parts = f.map((factor, c) =>
      scaleIntensity(
        img.clone({ data: img.data.subarray(c * per, (c + 1) * per), shape: [1, ...img.spatialShape] }),
        { ...opts, factor },
      ),
    );
    const dtype = parts[0]?.dtype ?? this.dtype ?? img.dtype;
    const out = img.emptyLike(img.shape, dtype);
    parts.forEach((p, c) => out.data.set(p.data, c * per));
    return out;
  }
}

/** Options of {@link RandScaleIntensityd}. */
export interface RandScaleIntensitydOptions extends MapTransformOptions, RandScaleIntensityOptions {}

/** Dictionary twin of {@link RandScaleIntensity}: one factor for all keys. */
export class RandScaleIntensityd extends RandImageMapTransform<
  RandScaleIntensity,
  RandScaleIntensitydOptions
> {
  constructor(options: RandScaleIntensitydOptions) {
    super(options, new RandScaleIntensity(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
