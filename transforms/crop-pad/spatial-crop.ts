import type { MapTransformOptions } from '../map-transform.js';
import { CropTransform, Cropd } from './crop.js';
import { type CropSlice, type RoiOptions, computeSlices } from './slices.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link SpatialCrop}: a centre and size, a start and end, or slices. */
export interface SpatialCropOptions extends RoiOptions {
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
}

/**
 * Crops a region of interest (MONAI `SpatialCrop`): `roiCenter` + `roiSize`, `roiStart` + `roiEnd`
 * (the end is clipped to the image), or `roiSlices`. Translates the affine by the start voxel;
 * invertible (pads zeros back).
 *
 * @example
 * const out = await new SpatialCrop({ roiStart: [2, 3, 4], roiEnd: [30, 35, 20] }).apply(img);
 */
export class SpatialCrop extends CropTransform<SpatialCropOptions> {
  constructor(options: SpatialCropOptions) {
    super(options);
  }

  computeSlices(_spatialShape: readonly number[]): CropSlice[] {
    return computeSlices(this.options, this.name);
  }
}

/** Dictionary twin of {@link SpatialCrop}. */
export class SpatialCropd extends Cropd<MapTransformOptions & SpatialCropOptions> {
  constructor(options: MapTransformOptions & SpatialCropOptions) {
    super(options, new SpatialCrop(passOn(checkedOptions(new.target.name, options))));
  }
}
