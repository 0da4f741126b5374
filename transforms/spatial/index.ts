/** The spatial transforms: one line per source file, public names only (a new transform is listed here and in transforms/index.ts). */
export {
  Spacing,
  Spacingd,
  SpatialResample,
  SpatialResampled,
  type PerKeyResampleOptions,
  type ResampleModeOptions,
  type SpacingOptions,
  type SpacingdOptions,
  type SpatialResampleOptions,
  type SpatialResampledOptions,
} from './spacing.js';
export { Orientation, Orientationd, type AxisLabels, type OrientationOptions } from './orientation.js';
export { Flip, Flipd, type FlipOptions, type SpatialAxes } from './flip.js';
export { Rotate90, Rotate90d, type Rotate90Options } from './rotate90.js';
export { Resize, Resized, type ResizeOptions, type ResizedOptions } from './resize.js';
export { Zoom, Zoomd, type ZoomOptions, type ZoomdOptions } from './zoom.js';
export { Rotate, Rotated, type RotateOptions, type RotatedOptions } from './rotate.js';
export {
  Affine,
  AffineGrid,
  Affined,
  type AffineFuncOptions,
  type AffineOptions,
  type AffineParams,
  type AffinedOptions,
} from './affine.js';
export { Invertd, type InvertdOptions, type InvertdPostFunc } from './invertd.js';
export { RandFlip, RandFlipd, type RandFlipOptions, type RandFlipdOptions } from './rand-flip.js';
export {
  RandRotate90,
  RandRotate90d,
  type RandRotate90Options,
  type RandRotate90dOptions,
} from './rand-rotate90.js';
export {
  RandRotate,
  RandRotated,
  type AngleRange,
  type RandRotateOptions,
  type RandRotatedOptions,
} from './rand-rotate.js';
export { RandZoom, RandZoomd, type RandZoomOptions, type RandZoomdOptions } from './rand-zoom.js';
export {
  RandAffine,
  RandAffineGrid,
  RandAffined,
  type AffineParamRange,
  type RandAffineGridOptions,
  type RandAffineOptions,
  type RandAffinedOptions,
} from './rand-affine.js';
export {
  ElasticMapBase,
  Rand2DElastic,
  Rand2DElasticd,
  Rand3DElastic,
  Rand3DElasticd,
  RandDeformGrid,
  type ElasticCommonOptions,
  type ElasticKeyOptions,
  type Rand2DElasticOptions,
  type Rand2DElasticdOptions,
  type Rand3DElasticOptions,
  type Rand3DElasticdOptions,
  type RandDeformGridOptions,
} from './rand-elastic.js';
export { type GridSampleMode, type GridSamplePadding, type SamplingGrid } from '../../src/image/resample.js';
export { type ComputeDType } from '../../src/image/numerics.js';
export { type InterpolateMode, type ResampleMode, type ResizeMode } from './common.js';
export { type NdimageMode, type SplineOrder } from '../../src/image/map-coordinates.js';
export { type Matrix } from '../../src/image/affine.js';
export { type DenseGrid } from '../../src/image/dense-grid.js';
export {
  RandAxisFlip,
  RandAxisFlipd,
  type RandAxisFlipOptions,
  type RandAxisFlipdOptions,
} from './rand-axis-flip.js';
export {
  GridPatch,
  GridPatchd,
  RandGridPatch,
  RandGridPatchd,
  type GridPatchOptions,
  type GridPatchSort,
  type GridPatchdOptions,
  type RandGridPatchOptions,
  type RandGridPatchdOptions,
} from './grid-patch.js';
export { ResampleToMatch, ResampleToMatchd, type ResampleToMatchdOptions } from './resample-to-match.js';
export {
  RandSimulateLowResolution,
  RandSimulateLowResolutiond,
  type RandSimulateLowResolutionOptions,
  type RandSimulateLowResolutiondOptions,
} from './rand-simulate-low-resolution.js';
export {
  RandGridDistortion,
  RandGridDistortiond,
  type RandGridDistortionOptions,
  type RandGridDistortiondOptions,
} from './rand-grid-distortion.js';
