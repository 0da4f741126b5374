/** Networks (`csc-mlops/networks`): MONAI's UNet and BasicUNet on tfjs-layers, and checkpoints. */
export { UNet } from './unet.js';
export type { UNetOptions } from './unet.js';
export { BasicUNet } from './basic-unet.js';
export type { BasicUNetOptions } from './basic-unet.js';
export { InstanceNormalization } from './instance-normalization.js';
export type { InstanceNormalizationArgs } from './instance-normalization.js';
export { ReplicatePadToMatch } from './replicate-pad-to-match.js';
export type { Act, ActName, Norm, NormName } from './blocks.js';
export { saveCheckpoint, loadCheckpoint } from './checkpoint.js';
export type { CheckpointState, LoadCheckpointOptions, LoadedCheckpoint } from './checkpoint.js';
