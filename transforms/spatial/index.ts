export * from './affine-utils.js';
export * from './spacing.js';
export * from './orientation.js';
export * from './flip.js';
export * from './rotate90.js';
export * from './interpolate.js';
export * from './resize.js';
export * from './zoom.js';
export * from './rotate.js';
export * from './affine.js';
export * from './invertd.js';
export * from './rand-spatial-base.js';
export * from './rand-flip.js';
export * from './rand-rotate90.js';
export * from './rand-rotate.js';
export * from './rand-zoom.js';
export * from './rand-affine.js';
export * from './rand-elastic.js';
export { RandAxisFlip, RandAxisFlipd } from './rand-axis-flip.js';
export type { RandAxisFlipOptions, RandAxisFlipdOptions } from './rand-axis-flip.js';
export { GridPatch, GridPatchd, RandGridPatch, RandGridPatchd, gridPatch } from './grid-patch.js';
export type {
  GridPatchOptions,
  GridPatchSort,
  GridPatchdOptions,
  RandGridPatchOptions,
  RandGridPatchdOptions,
} from './grid-patch.js';
export { ResampleToMatch, ResampleToMatchd, resampleToMatch } from './resample-to-match.js';
export type { ResampleToMatchdOptions } from './resample-to-match.js';
export { RandSimulateLowResolution, RandSimulateLowResolutiond } from './rand-simulate-low-resolution.js';
export type {
  RandSimulateLowResolutionOptions,
  RandSimulateLowResolutiondOptions,
} from './rand-simulate-low-resolution.js';
export { RandGridDistortion, RandGridDistortiond, gridDistortion } from './rand-grid-distortion.js';
export type { RandGridDistortionOptions, RandGridDistortiondOptions } from './rand-grid-distortion.js';
