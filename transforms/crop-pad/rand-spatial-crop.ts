import type { MetaImage } from '../../src/image/meta-image.js';
import type { RandomState } from '../../src/random/index.js';
import type { MapTransformOptions } from '../map-transform.js';
import { type Randomizable, markRandomizable } from '../randomizable.js';
import { type DataItem, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { CropTransform, Cropd } from './crop.js';
import {
  checkedFallBackTuple,
  getRandomPatch,
  getValidPatchSize,
  randomStateFor,
} from './rand-crop-utils.js';
import { type CropSlice, centerCropSlices } from './slices.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandSpatialCrop}. */
export interface RandSpatialCropOptions {
  /** ROI size (the minimum with `randomSize`); non-positive values take the image size. */
  roiSize: number | readonly number[];
  /** Maximum ROI size with `randomSize` (default: the image size). */
  maxRoiSize?: number | readonly number[] | null;
  /** Place the ROI at a random position (default true) or at the centre. */
  randomCenter?: boolean;
  /** Draw the ROI size in [roiSize, maxRoiSize] on each call (default false). */
  randomSize?: boolean;
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
}

/**
 * Crops a random region (MONAI `RandSpatialCrop`, a `Randomizable` without `prob`): with
 * `randomSize`, the size is drawn with `R.randint(min, max + 1)` per axis, then (with `randomCenter`)
 * the start with `R.randint(0, size - roi + 1)` per axis. Traced as `RandSpatialCrop`; invertible.
 *
 * @example
 * const crop = new RandSpatialCrop({ roiSize: [64, 64, 32] }).setRandomState(0);
 * const patch = await crop.apply(img);
 */
export class RandSpatialCrop<Opts extends RandSpatialCropOptions = RandSpatialCropOptions>
  extends CropTransform<Opts>
  implements Randomizable
{
  R: RandomState = randomStateFor();
  /** The last drawn ROI size. */
  size: number[] | null = null;
  /** The last drawn ROI (with `randomCenter`). */
  box: [number, number][] | null = null;

  constructor(options: Opts) {
    super(options);
    markRandomizable(this);
  }

  protected get roiSize(): number | readonly number[] {
    return this.options.roiSize;
  }

  protected get maxRoiSize(): number | readonly number[] | null {
    return this.options.maxRoiSize ?? null;
  }

  get randomCenter(): boolean {
    return this.options.randomCenter ?? true;
  }

  get randomSize(): boolean {
    return this.options.randomSize ?? false;
  }

  setRandomState(seed?: number, state?: RandomState): this {
    this.R = randomStateFor(seed, state);
    return this;
  }

  /** Draws the ROI for an image of `imgSize` (MONAI's order). */
  randomize(imgSize: readonly number[]): void {
    let size = checkedFallBackTuple(this.roiSize, imgSize, 'roiSize', this.name);
    if (this.randomSize) {
      const max =
        this.maxRoiSize === null
          ? [...imgSize]
          : checkedFallBackTuple(this.maxRoiSize, imgSize, 'maxRoiSize', this.name);
      if (size.some((s, i) => s > (max[i] as number)))
        fail(this.name, `min ROI size [${size.join(', ')}] is larger than max ROI size [${max.join(', ')}]`);
      size = imgSize.map((_, i) => this.R.randint(size[i] as number, (max[i] as number) + 1));
    }
    this.size = size;
    if (this.randomCenter) this.box = getRandomPatch(imgSize, getValidPatchSize(imgSize, size), this.R);
  }

  computeSlices(spatialShape: readonly number[]): CropSlice[] {
    if (this.size === null) fail(this.name, 'no ROI drawn yet: call randomize first');
    if (this.randomCenter) return (this.box ?? []).map(([start, stop]) => ({ start, stop }));
    return centerCropSlices(spatialShape, this.size, this.name);
  }

  override async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => {
      this.randomize(image.spatialShape);
      return this.cropOne(image);
    });
  }
}

/** Options of {@link RandSpatialCropd}. */
export interface RandSpatialCropdOptions extends MapTransformOptions, RandSpatialCropOptions {}

/**
 * Dictionary twin of {@link RandSpatialCrop}: the ROI is drawn once from the first key's shape and
 * applied to every key (the cropper shares the dictionary transform's seed, as MONAI's `RandCropd`).
 */
export class RandSpatialCropd<Opts extends RandSpatialCropdOptions = RandSpatialCropdOptions>
  extends Cropd<Opts>
  implements Randomizable
{
  R: RandomState = randomStateFor();
  declare readonly cropper: RandSpatialCrop;

  constructor(
    options: Opts,
    cropper: RandSpatialCrop = new RandSpatialCrop(passOn(checkedOptions(new.target.name, options))),
  ) {
    super(options, cropper);
    markRandomizable(this);
  }

  setRandomState(seed?: number, state?: RandomState): this {
    this.R = randomStateFor(seed, state);
    this.cropper.setRandomState(seed, state);
    return this;
  }

  override async apply(data: DataItem): Promise<DataItem> {
    const keys = this.keyIterator(data);
    if (keys.length > 0) {
      const first = keys[0] as string;
      const img = requireImage(data[first], this.name, first);
      withKey(this.name, first, () => this.cropper.randomize(img.spatialShape));
    }
    return super.apply(data);
  }
}
