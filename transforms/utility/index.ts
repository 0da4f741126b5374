export * from './ensure-channel-first.js';
export * from './ensure-type.js';
export * from './to-tensor.js';
export * from './cast-to-type.js';
export * from './lambda.js';
export * from './copy-items.js';
export * from './delete-items.js';
export * from './select-items.js';
export * from './squeeze-dim.js';
export * from './concat-items.js';
export * from './as-channel-last.js';
export * from './fg-bg-to-indices.js';
export * from './identity.js';
export { Transpose, Transposed, transpose, transposeArray } from './transpose.js';
export type { TransposeOptions, TransposedOptions } from './transpose.js';
export { SplitDim, SplitDimd, splitDim } from './split-dim.js';
export type { SplitDimOptions, SplitDimdOptions } from './split-dim.js';
export { LabelToMask, LabelToMaskd, labelToMask } from './label-to-mask.js';
export type { LabelToMaskOptions, LabelToMaskdOptions } from './label-to-mask.js';
export { MapLabelValue, MapLabelValued, mapLabelValue } from './map-label-value.js';
export type { MapLabelValueOptions, MapLabelValuedOptions } from './map-label-value.js';
export {
  ConvertToMultiChannelBasedOnBratsClasses,
  ConvertToMultiChannelBasedOnBratsClassesd,
  convertToMultiChannelBasedOnBratsClasses,
} from './convert-to-multi-channel-based-on-brats-classes.js';
export type { ConvertToMultiChannelBasedOnBratsClassesdOptions } from './convert-to-multi-channel-based-on-brats-classes.js';
export { ClassesToIndices, ClassesToIndicesd, classesToIndices } from './classes-to-indices.js';
export type { ClassesToIndicesOptions, ClassesToIndicesdOptions } from './classes-to-indices.js';
