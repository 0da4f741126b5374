/** The crop and pad transforms: one line per source file, public names only (a new transform is listed here and in transforms/index.ts). */
export { Pad, PadTransform, Padd, type PadArrayOptions, type PadOptions } from './pad.js';
export { CropTransform, Cropd } from './crop.js';
export { SpatialPad, SpatialPadd, type PadMethod, type SpatialPadOptions } from './spatial-pad.js';
export { BorderPad, BorderPadd, type BorderPadOptions } from './border-pad.js';
export { DivisiblePad, DivisiblePadd, type DivisiblePadOptions } from './divisible-pad.js';
export { SpatialCrop, SpatialCropd, type SpatialCropOptions } from './spatial-crop.js';
export {
  CenterSpatialCrop,
  CenterSpatialCropd,
  type CenterSpatialCropOptions,
} from './center-spatial-crop.js';
export {
  CropForeground,
  CropForegroundd,
  type CropForegroundBoxOptions,
  type CropForegroundOptions,
  type CropForegrounddOptions,
  type CropForegroundResult,
  type ForegroundBoxOptions,
  type SelectFn,
  type SpatialBox,
} from './crop-foreground.js';
export {
  ResizeWithPadOrCrop,
  ResizeWithPadOrCropd,
  type ResizeWithPadOrCropOptions,
} from './resize-with-pad-or-crop.js';
export {
  RandSpatialCrop,
  RandSpatialCropd,
  type RandSpatialCropOptions,
  type RandSpatialCropdOptions,
} from './rand-spatial-crop.js';
export {
  RandScaleCrop,
  RandScaleCropd,
  type RandScaleCropOptions,
  type RandScaleCropdOptions,
} from './rand-scale-crop.js';
export {
  RandSpatialCropSamples,
  RandSpatialCropSamplesd,
  type RandSpatialCropSamplesOptions,
  type RandSpatialCropSamplesdOptions,
} from './rand-spatial-crop-samples.js';
export { RandCentersCrop, RandCentersCropd } from './rand-center-crops.js';
export {
  RandCropByPosNegLabel,
  RandCropByPosNegLabeld,
  type PosNegSources,
  type RandCropByPosNegLabelOptions,
  type RandCropByPosNegLabeldOptions,
} from './rand-crop-by-pos-neg-label.js';
export {
  RandCropByLabelClasses,
  RandCropByLabelClassesd,
  type LabelClassesSources,
  type RandCropByLabelClassesOptions,
  type RandCropByLabelClassesdOptions,
} from './rand-crop-by-label-classes.js';
export {
  RandWeightedCrop,
  RandWeightedCropd,
  type RandWeightedCropOptions,
  type RandWeightedCropdOptions,
} from './rand-weighted-crop.js';
export { type CropSlice, type IntOrList, type RoiOptions, type SliceLike } from './slices.js';
export { type PadMode, type PadValue, type PadWidth } from './pad-array.js';
export { type VoxelIndices } from './rand-crop-utils.js';
