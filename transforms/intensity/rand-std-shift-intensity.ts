import type { DType } from '../../src/image/dtype.js';
import { castArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { channelViews, dtypeOption } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { symmetricRange } from './rand-shift-intensity.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandStdShiftIntensity}: the shift is `factor × std` of the (nonzero) values. */
export interface StdShiftIntensityOptions {
  /** Only shift (and measure) non-zero voxels (default false). */
  nonzero?: boolean;
  /** Measure and shift each channel separately (default false). */
  channelWise?: boolean;
  /** Output dtype (default `'float32'`; null keeps the input dtype). */
  dtype?: DType | null;
}

/**
 * MONAI `StdShiftIntensity`: adds `factor * std(img)` (biased std, of the non-zero voxels with
 * `nonzero`), in the output dtype (float32 by default, as torch computes).
 */
export function stdShiftIntensity(
  img: MetaImage,
  factor: number,
  options: StdShiftIntensityOptions = {},
): MetaImage {
  const dtype = dtypeOption('StdShiftIntensity', options.dtype, 'float32') ?? img.dtype;
  const data = castArray(img.data, dtype, true);
  const f = dtype === 'float64' ? (x: number) => x : Math.fround;
  const parts = options.channelWise ? channelViews(data, img.shape) : [data];
  for (const p of parts) {
    let n = 0;
    let sum = 0;
    for (let i = 0; i < p.length; i++) {
      const v = p[i] as number;
      if (!options.nonzero || v !== 0) {
        n++;
        sum += v;
      }
    }
    if (n === 0) continue;
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < p.length; i++) {
      const v = p[i] as number;
      if (!options.nonzero || v !== 0) ss += (v - mean) * (v - mean);
    }
    const offset = f(factor * f(Math.sqrt(ss / n)));
    for (let i = 0; i < p.length; i++) {
      const v = p[i] as number;
      if (!options.nonzero || v !== 0) p[i] = f(v + offset);
    }
  }
  return img.clone({ data, dtype });
}

/** Options of {@link RandStdShiftIntensity}. */
export interface RandStdShiftIntensityOptions extends RandomizableOptions, StdShiftIntensityOptions {
  /** Range of the factor: `[min, max]`, or `x` for `[-x, x]`. */
  factors: number | readonly [number, number];
}

/**
 * Shifts intensity by a random multiple of the image's standard deviation (MONAI
 * `RandStdShiftIntensity`: `R.rand() < prob`, then `factor = R.uniform(min, max)`).
 *
 * @example
 * await new RandStdShiftIntensity({ factors: [0.5, 1], prob: 1 }).setRandomState(0).apply(img);
 */
export class RandStdShiftIntensity extends RandImageTransform<RandStdShiftIntensityOptions> {
  readonly factors: [number, number];
  /** The last drawn factor. */
  factor = 0;

  constructor(options: RandStdShiftIntensityOptions) {
    checkedOptions(new.target.name, options);
    const factors = symmetricRange('RandStdShiftIntensity', 'factors', options?.factors);
    dtypeOption('RandStdShiftIntensity', options.dtype);
    super(options);
    this.factors = factors;
  }

  randomizeFor(): void {
    this.randomize();
    if (!this.doTransform) return;
    this.factor = this.R.uniform(this.factors[0], this.factors[1]);
  }

  transformImage(img: MetaImage): MetaImage {
    return stdShiftIntensity(img, this.factor, this.options);
  }
}

/** Options of {@link RandStdShiftIntensityd}. */
export interface RandStdShiftIntensitydOptions extends MapTransformOptions, RandStdShiftIntensityOptions {}

/** Dictionary twin of {@link RandStdShiftIntensity}: one factor for all keys. */
export class RandStdShiftIntensityd extends RandImageMapTransform<
  RandStdShiftIntensity,
  RandStdShiftIntensitydOptions
> {
  constructor(options: RandStdShiftIntensitydOptions) {
    super(
      options,
      new RandStdShiftIntensity(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })),
    );
  }
}
