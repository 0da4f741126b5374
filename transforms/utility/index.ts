/** The utility transforms: one line per source file, public names only (a new transform is listed here and in transforms/index.ts). */
export {
  EnsureChannelFirst,
  EnsureChannelFirstd,
  type EnsureChannelFirstOptions,
} from './ensure-channel-first.js';
export { EnsureType, EnsureTyped, type EnsureTypeOptions } from './ensure-type.js';
export { ToTensor, ToTensord, type ToTensorTransformOptions } from './to-tensor.js';
export { CastToType, CastToTyped, type CastToTypeOptions } from './cast-to-type.js';
export { Lambda, Lambdad, type LambdaFunction, type LambdaOptions, type LambdadOptions } from './lambda.js';
export { CopyItemsd, type CopyItemsdOptions } from './copy-items.js';
export { DeleteItemsd, type DeleteItemsdOptions } from './delete-items.js';
export { SelectItemsd } from './select-items.js';
export { SqueezeDim, SqueezeDimd, type SqueezeDimOptions } from './squeeze-dim.js';
export { ConcatItemsd, type ConcatItemsdOptions } from './concat-items.js';
export { AsChannelLast, AsChannelLastd, type AsChannelLastOptions } from './as-channel-last.js';
export {
  FgBgToIndices,
  FgBgToIndicesd,
  type FgBgToIndicesOptions,
  type FgBgToIndicesdOptions,
  type Indices,
} from './fg-bg-to-indices.js';
export { Identity, Identityd } from './identity.js';
export { Transpose, Transposed, type TransposeOptions, type TransposedOptions } from './transpose.js';
export { SplitDim, SplitDimd, type SplitDimOptions, type SplitDimdOptions } from './split-dim.js';
export {
  LabelToMask,
  LabelToMaskd,
  type LabelToMaskOptions,
  type LabelToMaskdOptions,
} from './label-to-mask.js';
export {
  MapLabelValue,
  MapLabelValued,
  type MapLabelValueOptions,
  type MapLabelValuedOptions,
} from './map-label-value.js';
export {
  ConvertToMultiChannelBasedOnBratsClasses,
  ConvertToMultiChannelBasedOnBratsClassesd,
  type ConvertToMultiChannelBasedOnBratsClassesdOptions,
} from './convert-to-multi-channel-based-on-brats-classes.js';
export {
  ClassesToIndices,
  ClassesToIndicesd,
  type ClassesToIndicesOptions,
  type ClassesToIndicesdOptions,
} from './classes-to-indices.js';
