import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { type DataItem, requireImage } from '../transform.js';
import { fail } from '../keyed-errors.js';
import { RandCentersCrop, RandCentersCropd } from './rand-center-crops.js';
import { weightedPatchSamples } from './rand-crop-utils.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandWeightedCrop}. */
export interface RandWeightedCropOptions {
  /** Patch size; non-positive values take the image size. */
  spatialSize: number | readonly number[];
  /** Patches per call (default 1). */
  numSamples?: number;
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
  /** Weight map used when `apply` gets none (MONAI `weight_map`). */
  weightMap?: MetaImage | null;
}

/**
 * Random patches with centres drawn in proportion to a weight map (MONAI `RandWeightedCrop`,
 * `weighted_patch_samples` on the map's first channel).
 *
 * @example
 * const crop = new RandWeightedCrop({ spatialSize: [32, 32, 16], numSamples: 4 });
 * crop.randomize(weights);
 * const patches = crop.cropAll(image);
 */
export class RandWeightedCrop extends RandCentersCrop<RandWeightedCropOptions> {
  constructor(options: RandWeightedCropOptions) {
    checkedOptions(new.target.name, options);
    const n = options?.numSamples ?? 1;
    if (!Number.isInteger(n) || n < 1)
      fail('RandWeightedCrop', `numSamples must be an integer >= 1, got ${n}`);
    super(options);
  }

  get spatialSize(): number | readonly number[] {
    return this.options.spatialSize;
  }

  get numSamples(): number {
    return this.options.numSamples ?? 1;
  }

  /** Draws the centres from the weight map's first channel. */
  randomize(weightMap: MetaImage): void {
    const per = weightMap.size / weightMap.numChannels;
    const w = weightMap.data.subarray(0, per);
    this.centers = weightedPatchSamples(this.spatialSize, w, weightMap.spatialShape, this.numSamples, this.R);
  }

  /** Crops `img` with centres drawn from `weightMap` (same spatial shape). */
  async applyWith(img: MetaImage, weightMap: MetaImage): Promise<MetaImage[]> {
    const image = requireImage(img, this.name);
    const w = requireImage(weightMap, this.name);
    if (image.spatialShape.join() !== w.spatialShape.join())
      fail(
        this.name,
        `the weight map [${w.spatialShape.join(', ')}] must have the image's spatial shape [${image.spatialShape.join(', ')}]`,
      );
    this.randomize(w);
    return this.cropAll(image);
  }

  /** Crops `img` with centres drawn from `weightMap` (default: the `weightMap` option), as MONAI. */
  async apply(img: MetaImage, weightMap?: MetaImage | null): Promise<MetaImage[]> {
    const w = weightMap ?? this.options.weightMap ?? null;
    if (w === null)
      fail(this.name, 'a weight map is needed: pass it to apply(img, weightMap) or as the weightMap option');
    return this.applyWith(img, w);
  }
}

/** Options of {@link RandWeightedCropd}. */
export interface RandWeightedCropdOptions extends MapTransformOptions, RandWeightedCropOptions {
  /** Key of the weight map. */
  wKey: string;
}

/** Dictionary twin of {@link RandWeightedCrop}: a list of `numSamples` items. */
export class RandWeightedCropd extends RandCentersCropd<RandWeightedCrop, RandWeightedCropdOptions> {
  constructor(options: RandWeightedCropdOptions) {
    checkedOptions(new.target.name, options);
    if (typeof options?.wKey !== 'string')
      fail('RandWeightedCropd', 'wKey (the key of the weight map) is required');
    super(options, new RandWeightedCrop(passOn(checkedOptions(new.target.name, options))));
  }

  get numSamples(): number {
    return this.cropper.numSamples;
  }

  protected randomizeFrom(d: DataItem): DataItem {
    const k = this.options.wKey;
    this.cropper.randomize(requireImage(d[k], this.name, k));
    return d;
  }
}
