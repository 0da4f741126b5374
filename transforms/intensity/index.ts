/** The intensity transforms: one line per source file, public names only (a new transform is listed here and in transforms/index.ts). */
export { ScaleIntensity, ScaleIntensityd, type ScaleIntensityOptions } from './scale-intensity.js';
export {
  ScaleIntensityRange,
  ScaleIntensityRanged,
  type ScaleIntensityRangeOptions,
} from './scale-intensity-range.js';
export {
  ScaleIntensityRangePercentiles,
  ScaleIntensityRangePercentilesd,
  type ScaleIntensityRangePercentilesOptions,
} from './scale-intensity-range-percentiles.js';
export {
  NormalizeIntensity,
  NormalizeIntensityd,
  type NormalizeIntensityOptions,
  type NormalizeValue,
} from './normalize-intensity.js';
export {
  ThresholdIntensity,
  ThresholdIntensityd,
  type ThresholdIntensityOptions,
} from './threshold-intensity.js';
export {
  ShiftIntensity,
  ShiftIntensityd,
  type ShiftIntensityOptions,
  type ShiftIntensitydOptions,
  type MetaFactorOptions,
} from './shift-intensity.js';
export {
  ClipIntensityPercentiles,
  ClipIntensityPercentilesd,
  type ClipIntensityPercentilesOptions,
} from './clip-intensity-percentiles.js';
export {
  MaskIntensity,
  MaskIntensityd,
  type MaskData,
  type MaskIntensityOptions,
  type MaskIntensitydOptions,
} from './mask-intensity.js';
export { GaussianSmooth, GaussianSmoothd, type GaussianSmoothOptions } from './gaussian-smooth.js';
export { AdjustContrast, AdjustContrastd, type AdjustContrastOptions } from './adjust-contrast.js';
export { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
export {
  RandGaussianNoise,
  RandGaussianNoised,
  type RandGaussianNoiseOptions,
  type RandGaussianNoisedOptions,
} from './rand-gaussian-noise.js';
export {
  RandShiftIntensity,
  RandShiftIntensityd,
  type RandShiftIntensityOptions,
  type RandShiftIntensitydOptions,
} from './rand-shift-intensity.js';
export {
  RandScaleIntensity,
  RandScaleIntensityd,
  type RandScaleIntensityOptions,
  type RandScaleIntensitydOptions,
} from './rand-scale-intensity.js';
export {
  RandAdjustContrast,
  RandAdjustContrastd,
  type RandAdjustContrastOptions,
  type RandAdjustContrastdOptions,
} from './rand-adjust-contrast.js';
export {
  RandGaussianSmooth,
  RandGaussianSmoothd,
  type RandGaussianSmoothOptions,
  type RandGaussianSmoothdOptions,
} from './rand-gaussian-smooth.js';
export {
  RandHistogramShift,
  RandHistogramShiftd,
  type RandHistogramShiftOptions,
  type RandHistogramShiftdOptions,
} from './rand-histogram-shift.js';
export {
  RandBiasField,
  RandBiasFieldd,
  type RandBiasFieldOptions,
  type RandBiasFielddOptions,
} from './rand-bias-field.js';
export {
  RandCoarseDropout,
  RandCoarseDropoutd,
  type RandCoarseDropoutOptions,
  type RandCoarseDropoutdOptions,
  RandCoarseTransform,
  type RandCoarseOptions,
} from './rand-coarse-dropout.js';
export { type GaussianApprox } from './gaussian-filter.js';
export { ImageMapTransform, ImageTransform } from './image-transform.js';
export {
  RandStdShiftIntensity,
  RandStdShiftIntensityd,
  type RandStdShiftIntensityOptions,
  type RandStdShiftIntensitydOptions,
  type StdShiftIntensityOptions,
} from './rand-std-shift-intensity.js';
export {
  RandRicianNoise,
  RandRicianNoised,
  type RandRicianNoiseOptions,
  type RandRicianNoisedOptions,
} from './rand-rician-noise.js';
export {
  RandGaussianSharpen,
  RandGaussianSharpend,
  type RandGaussianSharpenOptions,
  type RandGaussianSharpendOptions,
  type SharpenRange,
} from './rand-gaussian-sharpen.js';
export {
  HistogramNormalize,
  HistogramNormalized,
  type HistogramNormalizeOptions,
  type HistogramNormalizedOptions,
} from './histogram-normalize.js';
export {
  MedianSmooth,
  MedianSmoothd,
  type MedianSmoothOptions,
  type MedianSmoothdOptions,
} from './median-smooth.js';
export {
  SavitzkyGolaySmooth,
  SavitzkyGolaySmoothd,
  type SavitzkyGolaySmoothOptions,
  type SavitzkyGolaySmoothdOptions,
} from './savitzky-golay-smooth.js';
export {
  RandGibbsNoise,
  RandGibbsNoised,
  type RandGibbsNoiseOptions,
  type RandGibbsNoisedOptions,
} from './rand-gibbs-noise.js';
export {
  RandKSpaceSpikeNoise,
  RandKSpaceSpikeNoised,
  type KSpaceSpike,
  type RandKSpaceSpikeNoiseOptions,
  type RandKSpaceSpikeNoisedOptions,
} from './rand-k-space-spike-noise.js';
export {
  ForegroundMask,
  ForegroundMaskd,
  type ForegroundMaskOptions,
  type ForegroundMaskdOptions,
  type ForegroundThreshold,
} from './foreground-mask.js';
export {
  RandCoarseShuffle,
  RandCoarseShuffled,
  type RandCoarseShuffleOptions,
  type RandCoarseShuffledOptions,
} from './rand-coarse-shuffle.js';
