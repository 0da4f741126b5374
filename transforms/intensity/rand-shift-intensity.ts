import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import type { DataItem } from '../transform.js';
import { describe } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { type MetaFactorOptions, metaFactorLookup, shiftIntensity } from './shift-intensity.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandShiftIntensity}. */
export interface RandShiftIntensityOptions extends RandomizableOptions {
  /** Range of the offset: `[min, max]`, or `x` for `[-x, x]`. */
  offsets: number | readonly [number, number];
  /** Clamp to the dtype's range before casting back (integer images). */
  safe?: boolean;
  /** Draw one offset per channel. */
  channelWise?: boolean;
}

/** MONAI's parsing of a `[min, max]`-or-`x` range option. */
export function symmetricRange(name: string, option: string, v: unknown): [number, number] {
  if (typeof v === 'number' && Number.isFinite(v)) return [Math.min(-v, v), Math.max(-v, v)];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    return [Math.min(v[0], v[1]), Math.max(v[0], v[1])];
  throw new TransformError(
    name,
    undefined,
    `${option} must be a number or a pair of numbers, got ${describe(v)}`,
  );
}

/** Shifts `img` by `offset` (one number, or one per channel), keeping its dtype. */
function shiftBy(img: MetaImage, offset: number | number[], safe: boolean): MetaImage {
  if (typeof offset === 'number') return shiftIntensity(img, offset, safe);
  const per = img.size / img.numChannels;
  const parts = offset.map((o, c) => {
    const ch = img.clone({
      data: img.data.subarray(c * per, (c + 1) * per),
      shape: [1, ...img.spatialShape],
    });
    return shiftIntensity(ch, o, safe).data;
  });
  const out = img.clone();
  parts.forEach((p, c) => out.data.set(p, c * per));
  return out;
}

/**
 * Adds a random offset drawn with `R.uniform(min, max)` after `R.rand() < prob` (MONAI
 * `RandShiftIntensity`); the dtype is kept.
 *
 * @example
 * await new RandShiftIntensity({ offsets: 0.1, prob: 1 }).apply(img);
 */
export class RandShiftIntensity extends RandImageTransform<RandShiftIntensityOptions> {
  readonly offsets: [number, number];
  readonly safe: boolean;
  readonly channelWise: boolean;
  /** The last drawn offset (per channel with `channelWise`). */
  offset: number | number[];

  constructor(options: RandShiftIntensityOptions) {
    checkedOptions(new.target.name, options);
    const offsets = symmetricRange('RandShiftIntensity', 'offsets', options?.offsets);
    super(options);
    this.offsets = offsets;
    this.safe = options.safe ?? false;
    this.channelWise = options.channelWise ?? false;
    this.offset = offsets[0];
  }

  randomizeFor(img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    const [lo, hi] = this.offsets;
    this.offset = this.channelWise
      ? Array.from({ length: img.numChannels }, () => this.R.uniform(lo, hi))
      : this.R.uniform(lo, hi);
  }

  /** Applies the last offset, multiplied by `factor` when given (MONAI's `factor`). */
  shift(img: MetaImage, factor: number | null = null): MetaImage {
    const o = this.offset;
    const scaled = factor === null ? o : typeof o === 'number' ? o * factor : o.map((v) => v * factor);
    if (Array.isArray(scaled) && scaled.length !== img.numChannels)
      throw new TransformError(
        this.name,
        undefined,
        `drew ${scaled.length} channel offsets but the image has ${img.numChannels} channels`,
      );
    return shiftBy(img, scaled, this.safe);
  }

  transformImage(img: MetaImage): MetaImage {
    return this.shift(img);
  }
}

/** Options of {@link RandShiftIntensityd}. */
export interface RandShiftIntensitydOptions
  extends MapTransformOptions, RandShiftIntensityOptions, MetaFactorOptions {}

/** Dictionary twin of {@link RandShiftIntensity}: one offset for all keys. */
export class RandShiftIntensityd extends RandImageMapTransform<
  RandShiftIntensity,
  RandShiftIntensitydOptions
> {
  private readonly factor: ReturnType<typeof metaFactorLookup>;

  constructor(options: RandShiftIntensitydOptions) {
    super(options, new RandShiftIntensity(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
    this.factor = metaFactorLookup(this.name, this.keys, options);
  }

  protected override transformKey(img: MetaImage, key: string, d: DataItem): MetaImage {
    return this.inner.shift(img, this.factor(d, key, this.keys.indexOf(key)));
  }
}
