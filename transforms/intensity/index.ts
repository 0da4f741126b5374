export * from './percentile.js';
export * from './gaussian-filter.js';
export * from './scale-intensity.js';
export * from './scale-intensity-range.js';
export * from './scale-intensity-range-percentiles.js';
export * from './normalize-intensity.js';
export * from './threshold-intensity.js';
export * from './shift-intensity.js';
export * from './clip-intensity-percentiles.js';
export * from './mask-intensity.js';
export * from './gaussian-smooth.js';
export * from './adjust-contrast.js';
export * from './bias-field.js';
export * from './histogram-shift.js';
export * from './add-noise.js';
export * from './rand-intensity-base.js';
export * from './rand-gaussian-noise.js';
export * from './rand-shift-intensity.js';
export * from './rand-scale-intensity.js';
export * from './rand-adjust-contrast.js';
export * from './rand-gaussian-smooth.js';
export * from './rand-histogram-shift.js';
export * from './rand-bias-field.js';
export * from './rand-coarse-dropout.js';
export {
  RandStdShiftIntensity,
  RandStdShiftIntensityd,
  stdShiftIntensity,
} from './rand-std-shift-intensity.js';
export type {
  RandStdShiftIntensityOptions,
  RandStdShiftIntensitydOptions,
  StdShiftIntensityOptions,
} from './rand-std-shift-intensity.js';
export { RandRicianNoise, RandRicianNoised } from './rand-rician-noise.js';
export type { RandRicianNoiseOptions, RandRicianNoisedOptions } from './rand-rician-noise.js';
export { RandGaussianSharpen, RandGaussianSharpend, gaussianSharpen } from './rand-gaussian-sharpen.js';
export type { RandGaussianSharpenOptions, RandGaussianSharpendOptions } from './rand-gaussian-sharpen.js';
export { HistogramNormalize, HistogramNormalized, histogramNormalize } from './histogram-normalize.js';
export type { HistogramNormalizeOptions, HistogramNormalizedOptions } from './histogram-normalize.js';
export { MedianSmooth, MedianSmoothd, medianSmooth } from './median-smooth.js';
export type { MedianSmoothOptions, MedianSmoothdOptions } from './median-smooth.js';
export {
  SavitzkyGolaySmooth,
  SavitzkyGolaySmoothd,
  savitzkyGolayCoeffs,
  savitzkyGolaySmooth,
} from './savitzky-golay-smooth.js';
export type { SavitzkyGolaySmoothOptions, SavitzkyGolaySmoothdOptions } from './savitzky-golay-smooth.js';
export { RandGibbsNoise, RandGibbsNoised, gibbsNoise } from './rand-gibbs-noise.js';
export type { RandGibbsNoiseOptions, RandGibbsNoisedOptions } from './rand-gibbs-noise.js';
export { RandKSpaceSpikeNoise, RandKSpaceSpikeNoised, kSpaceSpikeNoise } from './rand-k-space-spike-noise.js';
export type {
  KSpaceSpike,
  RandKSpaceSpikeNoiseOptions,
  RandKSpaceSpikeNoisedOptions,
} from './rand-k-space-spike-noise.js';
export { ForegroundMask, ForegroundMaskd, foregroundMask, thresholdOtsu } from './foreground-mask.js';
export type {
  ForegroundMaskOptions,
  ForegroundMaskdOptions,
  ForegroundThreshold,
} from './foreground-mask.js';
export { RandCoarseShuffle, RandCoarseShuffled } from './rand-coarse-shuffle.js';
export type { RandCoarseShuffleOptions, RandCoarseShuffledOptions } from './rand-coarse-shuffle.js';
