import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { type DataItem, requireImage } from '../transform.js';
import { fail } from '../keyed-errors.js';
import { RandCentersCrop, RandCentersCropd, indicesFrom } from './rand-center-crops.js';
import { mapBinaryToIndices } from '../utility/fg-bg-to-indices.js';
import { type VoxelIndices, generatePosNegLabelCropCenters } from './rand-crop-utils.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandCropByPosNegLabel}. */
export interface RandCropByPosNegLabelOptions {
  /** Patch size; non-positive values take the image size. */
  spatialSize: number | readonly number[];
  /** Relative weight of foreground-centred patches (default 1). */
  pos?: number;
  /** Relative weight of background-centred patches (default 1). */
  neg?: number;
  /** Patches per call (default 1). */
  numSamples?: number;
  /** Background voxels must have an image value above this (with an image; default 0). */
  imageThreshold?: number;
  /** Allow patches larger than the image (they are clipped); otherwise an error. */
  allowSmaller?: boolean;
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
  /** Label used when `apply` gets none (MONAI `label`). */
  label?: MetaImage | null;
  /** Image restricting background centres when `apply` gets none (MONAI `image`). */
  image?: MetaImage | null;
  /** Precomputed foreground indices, used when `apply` gets none (MONAI `fg_indices`). */
  fgIndices?: VoxelIndices | null;
  /** Precomputed background indices (MONAI `bg_indices`). */
  bgIndices?: VoxelIndices | null;
}

/** Inputs of {@link RandCropByPosNegLabel.randomize}. */
export interface PosNegSources {
  label?: MetaImage | null;
  image?: MetaImage | null;
  fgIndices?: VoxelIndices | null;
  bgIndices?: VoxelIndices | null;
  /** Spatial shape when neither label nor image is given (the image being cropped). */
  shape?: readonly number[];
}

/**
 * Random patches centred on foreground or background voxels (MONAI `RandCropByPosNegLabel`): for each
 * sample `R.rand() < pos / (pos + neg)` picks foreground, then `R.randint(n)` a voxel; centres are
 * moved so the patch fits. Returns `numSamples` patches.
 *
 * @example
 * const crop = new RandCropByPosNegLabel({ spatialSize: [96, 96, 96], numSamples: 4 });
 * crop.randomize({ label });
 * const patches = crop.cropAll(image);
 */
export class RandCropByPosNegLabel extends RandCentersCrop<RandCropByPosNegLabelOptions> {
  readonly posRatio: number;

  constructor(options: RandCropByPosNegLabelOptions) {
    checkedOptions(new.target.name, options);
    const pos = options?.pos ?? 1;
    const neg = options?.neg ?? 1;
    if (!(pos >= 0) || !(neg >= 0))
      fail('RandCropByPosNegLabel', `pos and neg must be non-negative, got pos=${pos}, neg=${neg}`);
    if (pos + neg === 0) fail('RandCropByPosNegLabel', 'pos and neg cannot both be 0');
    const n = options.numSamples ?? 1;
    if (!Number.isInteger(n) || n < 1)
      fail('RandCropByPosNegLabel', `numSamples must be an integer >= 1, got ${n}`);
    super(options);
    this.posRatio = pos / (pos + neg);
  }

  get spatialSize(): number | readonly number[] {
    return this.options.spatialSize;
  }

  get numSamples(): number {
    return this.options.numSamples ?? 1;
  }

  /** Draws the centres from a label (and optional image) or from precomputed fg/bg indices. */
  randomize(src: PosNegSources): void {
    const o = this.options;
    let fg = src.fgIndices ?? null;
    let bg = src.bgIndices ?? null;
    if (fg === null || bg === null) {
      if (!src.label)
        fail(
          this.name,
          'a label is needed to find foreground/background voxels (or pass fgIndices and bgIndices)',
        );
      const m = mapBinaryToIndices(src.label, src.image ?? null, o.imageThreshold ?? 0, this.name);
      fg = m.fg;
      bg = m.bg;
    }
    const shape = src.label?.spatialShape ?? src.image?.spatialShape ?? src.shape;
    if (!shape) fail(this.name, 'a label or an image is needed to know the spatial shape');
    this.centers = generatePosNegLabelCropCenters(
      this.spatialSize,
      this.numSamples,
      this.posRatio,
      shape,
      fg,
      bg,
      this.R,
      o.allowSmaller ?? false,
      this.name,
    );
  }

  /**
   * Draws centres from `label` (default: the `label` option; `image` default the `image` option) or
   * from fg/bg indices (default: the options'), as MONAI, and crops `img`.
   */
  async apply(
    img: MetaImage,
    label?: MetaImage | null,
    image?: MetaImage | null,
    fgIndices?: VoxelIndices | null,
    bgIndices?: VoxelIndices | null,
  ): Promise<MetaImage[]> {
    const target = requireImage(img, this.name);
    const o = this.options;
    const src = {
      label: label ?? o.label ?? null,
      image: image ?? o.image ?? null,
      fgIndices: fgIndices ?? o.fgIndices ?? null,
      bgIndices: bgIndices ?? o.bgIndices ?? null,
    };
    if (!src.label && !(src.fgIndices && src.bgIndices))
      fail(
        this.name,
        'a label is needed: pass it to apply(img, label) or as the label option (or give fgIndices and bgIndices)',
      );
    this.randomize({ ...src, shape: target.spatialShape });
    return this.cropAll(target);
  }
}

/** Options of {@link RandCropByPosNegLabeld}. */
export interface RandCropByPosNegLabeldOptions extends MapTransformOptions, RandCropByPosNegLabelOptions {
  /** Key of the label image. */
  labelKey: string;
  /** Key of the image whose values > imageThreshold bound the background (optional). */
  imageKey?: string | null;
  /** Key of precomputed foreground indices (removed from the output, as MONAI). */
  fgIndicesKey?: string | null;
  /** Key of precomputed background indices (removed from the output). */
  bgIndicesKey?: string | null;
}

/**
 * Dictionary twin of {@link RandCropByPosNegLabel}: returns a list of `numSamples` items, every key
 * cropped around the same centres.
 *
 * @example
 * new RandCropByPosNegLabeld({ keys: ['image', 'label'], labelKey: 'label', spatialSize: [96, 96, 96], numSamples: 4 })
 */
export class RandCropByPosNegLabeld extends RandCentersCropd<
  RandCropByPosNegLabel,
  RandCropByPosNegLabeldOptions
> {
  constructor(options: RandCropByPosNegLabeldOptions) {
    checkedOptions(new.target.name, options);
    if (typeof options?.labelKey !== 'string')
      fail('RandCropByPosNegLabeld', 'labelKey (the key of the label image) is required');
    super(options, new RandCropByPosNegLabel(passOn(checkedOptions(new.target.name, options))));
  }

  get numSamples(): number {
    return this.cropper.numSamples;
  }

  protected randomizeFrom(d: DataItem): DataItem {
    const o = this.options;
    const take = (k: string | null | undefined): VoxelIndices | null => {
      if (k === null || k === undefined || !(k in d)) return null;
      const v = d[k];
      delete d[k];
      return v === null || v === undefined ? null : indicesFrom(v, this.name, k);
    };
    const fgIndices = take(o.fgIndicesKey);
    const bgIndices = take(o.bgIndicesKey);
    const img = (k: string | null | undefined) =>
      k !== null && k !== undefined && d[k] !== undefined && d[k] !== null
        ? requireImage(d[k], this.name, k)
        : null;
    this.cropper.randomize({ label: img(o.labelKey), image: img(o.imageKey), fgIndices, bgIndices });
    return d;
  }
}
