/** TensorFlow.js backend choice and image → tensor conversion. */
export { initBackend, BACKEND_ENV_VAR } from './init-backend.js';
export type { BackendChoice, BackendCandidate, BackendReport, InitBackendOptions } from './init-backend.js';
export { toTensor, tensorToImage, resolveTensorDType } from './to-tensor.js';
export type { ToTensorOptions, TensorToImageOptions } from './to-tensor.js';
export {
  tensorDTypeOf,
  allocTensorArray,
  checkLayout,
  layoutShape,
  channelFirstShape,
  writeTensorData,
  readTensorData,
} from './tensor-data.js';
export type { TensorDType, TensorLayout, TensorArray } from './tensor-data.js';
