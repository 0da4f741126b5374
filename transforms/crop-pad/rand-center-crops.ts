/**
 * Bases of MONAI's multi-sample random crops (RandCropByPosNegLabel, RandCropByLabelClasses,
 * RandWeightedCrop): the subclass draws crop centres; every image is then cut into one `SpatialCrop`
 * per centre, traced as `{class: <transform>, extra_info: <SpatialCrop operation>}` with
 * `meta.patch_index` and `meta.crop_center`, as MONAI. Invertible per sample (pads zeros back).
 */
import type { MetaImage } from '../../src/image/meta-image.js';
import type { RandomState } from '../../src/random/index.js';
import { markInvertible } from '../invertible.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type Randomizable, markRandomizable } from '../randomizable.js';
import { replaceLastOperation, unwrapLastOperation } from '../rand-trace.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { invertCropOf } from './crop.js';
import { cropImage } from './crop-image.js';
import { checkedFallBackTuple, randomStateFor } from './rand-crop-utils.js';
import { computeSlices } from './slices.js';

/** A random transform that cuts each image into patches around drawn centres. */
export abstract class RandCentersCrop<Opts extends object = object>
  extends Transform<MetaImage, MetaImage[], Opts>
  implements Randomizable
{
  R: RandomState = randomStateFor();
  /** The last drawn centres (voxel coordinates), one per sample. */
  centers: number[][] | null = null;

  constructor(options: Opts) {
    super(options);
    markRandomizable(this);
    markInvertible(this);
  }

  /** The patch size option (non-positive: the image size). */
  abstract get spatialSize(): number | readonly number[];

  setRandomState(seed?: number, state?: RandomState): this {
    this.R = randomStateFor(seed, state);
    return this;
  }

  /** Cuts `img` around the last drawn centres (no draws). */
  cropAll(img: MetaImage): MetaImage[] {
    if (this.centers === null) fail(this.name, 'no crop centres drawn yet: call randomize first');
    const roiSize = checkedFallBackTuple(this.spatialSize, img.spatialShape, 'spatialSize', this.name);
    return this.centers.map((center, i) => {
      const slices = computeSlices({ roiCenter: center, roiSize }, this.name);
      const out = cropImage(img, slices, 'SpatialCrop');
      out.meta = { ...out.meta, patch_index: i, crop_center: [...center] };
      replaceLastOperation(out, this.name);
      return out;
    });
  }

  /** Undoes one sample's crop (pads zeros back to the original size). */
  invertOne(img: MetaImage, key?: string): MetaImage {
    const { img: inner } = unwrapLastOperation(img, this.name, key);
    return invertCropOf(inner, 'SpatialCrop', key);
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => this.invertOne(requireImage(img, this.name)));
  }
}

/**
 * Dictionary twin of a {@link RandCentersCrop}: draws the centres once (from the label / weight key),
 * then returns `numSamples` items, each with every key cropped around one centre.
 */
export abstract class RandCentersCropd<
  C extends RandCentersCrop,
  Opts extends MapTransformOptions = MapTransformOptions,
>
  extends MapTransform<DataItem[], Opts>
  implements Randomizable
{
  R: RandomState = randomStateFor();
  readonly cropper: C;

  constructor(options: Opts, cropper: C) {
    super(options);
    markRandomizable(this);
    markInvertible(this);
    this.cropper = cropper;
  }

  /** Number of samples per call. */
  abstract get numSamples(): number;

  /** Draws the centres from the item; returns the item to crop (index keys removed, as MONAI). */
  protected abstract randomizeFrom(d: DataItem): DataItem;

  setRandomState(seed?: number, state?: RandomState): this {
    this.R = randomStateFor(seed, state);
    this.cropper.setRandomState(seed, state);
    return this;
  }

  async apply(data: DataItem): Promise<DataItem[]> {
    const d = withKey(this.name, undefined, () => this.randomizeFrom({ ...data }));
    const ret: DataItem[] = Array.from({ length: this.numSamples }, () => ({ ...d }));
    for (const key of this.keyIterator(d)) {
      const crops = withKey(this.name, key, () => this.cropper.cropAll(requireImage(d[key], this.name, key)));
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

/** Reads voxel indices stored in an item (an array, a typed array or a MetaImage). */
export function indicesFrom(value: unknown, where: string, key: string): ArrayLike<number> {
  if (value && typeof value === 'object' && 'data' in value && ArrayBuffer.isView((value as MetaImage).data))
    return (value as MetaImage).data;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return value as ArrayLike<number>;
  return fail(
    where,
    `'${key}' must hold voxel indices (an array), got ${value === null ? 'null' : typeof value}`,
  );
}
