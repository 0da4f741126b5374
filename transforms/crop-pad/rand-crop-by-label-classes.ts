import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { type DataItem, requireImage } from '../transform.js';
import { fail } from '../keyed-errors.js';
import { RandCentersCrop, RandCentersCropd, indicesFrom } from './rand-center-crops.js';
import {
  type VoxelIndices,
  generateLabelClassesCropCenters,
  mapClassesToIndices,
} from './rand-crop-utils.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandCropByLabelClasses}. */
export interface RandCropByLabelClassesOptions {
  /** Patch size; non-positive values take the image size. */
  spatialSize: number | readonly number[];
  /** Relative frequency of each class as patch centre (default equal). */
  ratios?: readonly number[] | null;
  /** Number of classes of an argmax (single-channel) label. */
  numClasses?: number | null;
  /** Patches per call (default 1). */
  numSamples?: number;
  /** With an image, only voxels where the image is above this value are centres (default 0). */
  imageThreshold?: number;
  /** Allow patches larger than the image (they are clipped); otherwise an error. */
  allowSmaller?: boolean;
  /** Accepted for MONAI compatibility (MONAI warns when a class has no voxels). */
  warn?: boolean;
  /** Keep at most this many indices per class (evenly spaced), to save memory. */
  maxSamplesPerClass?: number | null;
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
  /** Label used when `apply` gets none (MONAI `label`). */
  label?: MetaImage | null;
  /** Image restricting the centres (`> imageThreshold`) when `apply` gets none (MONAI `image`). */
  image?: MetaImage | null;
  /** Precomputed voxel indices of each class, used when `apply` gets none (MONAI `indices`). */
  indices?: readonly VoxelIndices[] | null;
}

/** Inputs of {@link RandCropByLabelClasses.randomize}. */
export interface LabelClassesSources {
  label?: MetaImage | null;
  image?: MetaImage | null;
  /** Precomputed voxel indices of each class. */
  indices?: readonly VoxelIndices[] | null;
  /** Spatial shape when neither label nor image is given (the image being cropped). */
  shape?: readonly number[];
}

/**
 * Random patches centred on voxels of randomly chosen classes (MONAI `RandCropByLabelClasses`):
 * classes are drawn with `R.choice(n, numSamples, p=ratios)`, then `R.randint(len)` a voxel of each.
 *
 * @example
 * const crop = new RandCropByLabelClasses({ spatialSize: [64, 64, 64], ratios: [1, 2, 3], numClasses: 3, numSamples: 2 });
 */
export class RandCropByLabelClasses extends RandCentersCrop<RandCropByLabelClassesOptions> {
  constructor(options: RandCropByLabelClassesOptions) {
    checkedOptions(new.target.name, options);
    const n = options?.numSamples ?? 1;
    if (!Number.isInteger(n) || n < 1)
      fail('RandCropByLabelClasses', `numSamples must be an integer >= 1, got ${n}`);
    super(options);
  }

  get spatialSize(): number | readonly number[] {
    return this.options.spatialSize;
  }

  get numSamples(): number {
    return this.options.numSamples ?? 1;
  }

  /** Draws the centres from a label (and optional image) or from precomputed class indices. */
  randomize(src: LabelClassesSources): void {
    const o = this.options;
    let indices = src.indices ?? null;
    if (indices === null) {
      if (!src.label) fail(this.name, 'a label is needed to find the voxels of each class (or pass indices)');
      indices = mapClassesToIndices(
        src.label,
        o.numClasses ?? null,
        src.image ?? null,
        o.imageThreshold ?? 0,
        o.maxSamplesPerClass ?? null,
      );
    }
    const shape = src.label?.spatialShape ?? src.image?.spatialShape ?? src.shape;
    if (!shape) fail(this.name, 'a label or an image is needed to know the spatial shape');
    this.centers = generateLabelClassesCropCenters(
      this.spatialSize,
      this.numSamples,
      shape,
      indices,
      o.ratios ?? null,
      this.R,
      o.allowSmaller ?? false,
      this.name,
    );
  }

  /**
   * Draws centres from `label` (default: the `label` option; with `image`, default the `image` option)
   * or `indices` (default: the `indices` option), as MONAI, and crops `img`.
   */
  async apply(
    img: MetaImage,
    label?: MetaImage | null,
    image?: MetaImage | null,
    indices?: readonly VoxelIndices[] | null,
  ): Promise<MetaImage[]> {
    const target = requireImage(img, this.name);
    const o = this.options;
    const src = {
      label: label ?? o.label ?? null,
      image: image ?? o.image ?? null,
      indices: indices ?? o.indices ?? null,
    };
    if (!src.label && !src.indices)
      fail(
        this.name,
        'a label is needed: pass it to apply(img, label) or as the label option (or give indices)',
      );
    this.randomize({ ...src, shape: target.spatialShape });
    return this.cropAll(target);
  }
}

/** Options of {@link RandCropByLabelClassesd}. */
export interface RandCropByLabelClassesdOptions extends MapTransformOptions, RandCropByLabelClassesOptions {
  /** Key of the label image. */
  labelKey: string;
  /** Key of the image bounding the centres (optional). */
  imageKey?: string | null;
  /** Key of precomputed class indices (removed from the output, as MONAI). */
  indicesKey?: string | null;
}

/** Dictionary twin of {@link RandCropByLabelClasses}: a list of `numSamples` items. */
export class RandCropByLabelClassesd extends RandCentersCropd<
  RandCropByLabelClasses,
  RandCropByLabelClassesdOptions
> {
  constructor(options: RandCropByLabelClassesdOptions) {
    checkedOptions(new.target.name, options);
    if (typeof options?.labelKey !== 'string')
      fail('RandCropByLabelClassesd', 'labelKey (the key of the label image) is required');
    super(options, new RandCropByLabelClasses(passOn(checkedOptions(new.target.name, options))));
  }

  get numSamples(): number {
    return this.cropper.numSamples;
  }

  protected randomizeFrom(d: DataItem): DataItem {
    const o = this.options;
    let indices: VoxelIndices[] | null = null;
    if (o.indicesKey !== null && o.indicesKey !== undefined && o.indicesKey in d) {
      const v = d[o.indicesKey];
      delete d[o.indicesKey];
      if (v !== null && v !== undefined) {
        if (!Array.isArray(v)) fail(this.name, `'${o.indicesKey}' must hold one index array per class`);
        indices = v.map((a) => indicesFrom(a, this.name, o.indicesKey as string));
      }
    }
    const img = (k: string | null | undefined) =>
      k !== null && k !== undefined && d[k] !== undefined && d[k] !== null
        ? requireImage(d[k], this.name, k)
        : null;
    this.cropper.randomize({ label: img(o.labelKey), image: img(o.imageKey), indices });
    return d;
  }
}
