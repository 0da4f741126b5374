import type { MetaImage } from '../../src/image/meta-image.js';
import type { RandomState } from '../../src/random/index.js';
import { markInvertible } from '../invertible.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type Randomizable, markRandomizable } from '../randomizable.js';
import { replaceLastOperation, unwrapLastOperation } from '../rand-trace.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { invertCropOf } from './crop.js';
import { randomStateFor } from './rand-crop-utils.js';
import { RandSpatialCrop, type RandSpatialCropOptions } from './rand-spatial-crop.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandSpatialCropSamples}. */
export interface RandSpatialCropSamplesOptions extends RandSpatialCropOptions {
  /** Number of patches per call (>= 1). */
  numSamples: number;
}

/**
 * `numSamples` independent {@link RandSpatialCrop}s of one image (MONAI `RandSpatialCropSamples`);
 * each patch is traced as `RandSpatialCropSamples` and gets `meta.patch_index`.
 *
 * @example
 * const patches = await new RandSpatialCropSamples({ roiSize: [32, 32, 32], numSamples: 4 }).apply(img);
 */
export class RandSpatialCropSamples
  extends Transform<MetaImage, MetaImage[], RandSpatialCropSamplesOptions>
  implements Randomizable
{
  R: RandomState = randomStateFor();
  readonly numSamples: number;
  readonly cropper: RandSpatialCrop;

  constructor(options: RandSpatialCropSamplesOptions) {
    checkedOptions(new.target.name, options);
    if (!Number.isInteger(options?.numSamples) || options.numSamples < 1)
      fail(
        'RandSpatialCropSamples',
        `numSamples must be an integer >= 1, got ${String(options?.numSamples)}`,
      );
    super(options);
    markRandomizable(this);
    markInvertible(this);
    this.numSamples = options.numSamples;
    this.cropper = new RandSpatialCrop(passOn(options));
  }

  setRandomState(seed?: number, state?: RandomState): this {
    this.R = randomStateFor(seed, state);
    this.cropper.setRandomState(seed, state);
    return this;
  }

  /** The patches of one image (each drawn in turn). */
  cropSamples(img: MetaImage): MetaImage[] {
    const out: MetaImage[] = [];
    for (let i = 0; i < this.numSamples; i++) {
      this.cropper.randomize(img.spatialShape);
      const c = this.cropper.cropOne(img);
      c.meta = { ...c.meta, patch_index: i };
      replaceLastOperation(c, this.name);
      out.push(c);
    }
    return out;
  }

  async apply(img: MetaImage): Promise<MetaImage[]> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => this.cropSamples(image));
  }

  /** Undoes one patch's crop. */
  invertOne(img: MetaImage, key?: string): MetaImage {
    const { img: inner } = unwrapLastOperation(img, this.name, key);
    return invertCropOf(inner, this.cropper.name, key);
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => this.invertOne(requireImage(img, this.name)));
  }
}

/** Options of {@link RandSpatialCropSamplesd}. */
export interface RandSpatialCropSamplesdOptions extends MapTransformOptions, RandSpatialCropSamplesOptions {}

/**
 * Dictionary twin of {@link RandSpatialCropSamples} (MONAI 1.4): each call draws a sub-seed with
 * `R.randint(2**32, uint32)` and re-seeds the cropper with it for every key, so all keys get the same
 * patches. Returns a list of `numSamples` items.
 */
export class RandSpatialCropSamplesd
  extends MapTransform<DataItem[], RandSpatialCropSamplesdOptions>
  implements Randomizable
{
  R: RandomState = randomStateFor();
  readonly cropper: RandSpatialCropSamples;
  /** The last drawn sub-seed. */
  subSeed = 0;

  constructor(options: RandSpatialCropSamplesdOptions) {
    super(options);
    markRandomizable(this);
    markInvertible(this);
    this.cropper = new RandSpatialCropSamples(passOn(options));
  }

  setRandomState(seed?: number, state?: RandomState): this {
    this.R = randomStateFor(seed, state);
    this.cropper.setRandomState(seed, state);
    return this;
  }

  /** Draws the sub-seed. */
  randomize(): void {
    this.subSeed = this.R.randint(2 ** 32, undefined, { dtype: 'uint32' });
  }

  async apply(data: DataItem): Promise<DataItem[]> {
    const ret: DataItem[] = Array.from({ length: this.cropper.numSamples }, () => ({ ...data }));
    this.randomize();
    for (const key of this.keyIterator(data)) {
      this.cropper.setRandomState(this.subSeed);
      const crops = withKey(this.name, key, () =>
        this.cropper.cropSamples(requireImage(data[key], this.name, key)),
      );
      crops.forEach((c, i) => {
        (ret[i] as DataItem)[key] = c;
      });
    }
    return ret;
  }

  /** Pads each key of one sample back to its original size. */
  async inverse(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () =>
        this.cropper.invertOne(requireImage(d[key], this.name, key), key),
      );
    return d;
  }
}
