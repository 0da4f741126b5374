import type { MapTransformOptions } from '../map-transform.js';
import { CropTransform, Cropd } from './crop.js';
import { type CropSlice, type IntOrList, centerCropSlices } from './slices.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link CenterSpatialCrop}. */
export interface CenterSpatialCropOptions {
  /** Size of the central box; −1 keeps an axis, sizes larger than the image keep it too. */
  roiSize: IntOrList;
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
}

/**
 * Crops the centre of the image (MONAI `CenterSpatialCrop`): the box starts at
 * max(⌊size/2⌋ − ⌊roi/2⌋, 0). Invertible.
 *
 * @example
 * const out = await new CenterSpatialCrop({ roiSize: [-1, 24, 10] }).apply(img);
 */
export class CenterSpatialCrop extends CropTransform<CenterSpatialCropOptions> {
  constructor(options: CenterSpatialCropOptions) {
    super(options);
  }

  computeSlices(spatialShape: readonly number[]): CropSlice[] {
    return centerCropSlices(spatialShape, this.options.roiSize, this.name);
  }
}

/** Dictionary twin of {@link CenterSpatialCrop}. */
export class CenterSpatialCropd extends Cropd<MapTransformOptions & CenterSpatialCropOptions> {
  constructor(options: MapTransformOptions & CenterSpatialCropOptions) {
    super(options, new CenterSpatialCrop(passOn(checkedOptions(new.target.name, options))));
  }
}
