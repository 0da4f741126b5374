/** Losses on tfjs tensors, MONAI 1.4's semantics (`csc-mlops/losses`). */
export { Loss } from './loss.js';
export type { LossReduction, TensorActivation } from './loss.js';
export { DiceLoss } from './dice-loss.js';
export type { DiceLossOptions } from './dice-loss.js';
export { MaskedDiceLoss } from './masked-dice-loss.js';
export { DiceCELoss } from './dice-ce-loss.js';
export type { DiceCELossOptions } from './dice-ce-loss.js';
export { DiceFocalLoss } from './dice-focal-loss.js';
export type { DiceFocalLossOptions } from './dice-focal-loss.js';
export { FocalLoss } from './focal-loss.js';
export type { FocalLossOptions } from './focal-loss.js';
export { GeneralizedDiceLoss } from './generalized-dice-loss.js';
export type { GeneralizedDiceLossOptions } from './generalized-dice-loss.js';
export { TverskyLoss } from './tversky-loss.js';
export type { TverskyLossOptions } from './tversky-loss.js';
export type { ActivationOptions, RegionOptions } from './segmentation-inputs.js';
export { kerasLoss } from './keras-loss.js';
export { TrainingError, TrainingOptionError, TrainingShapeError } from '../training-error.js';
