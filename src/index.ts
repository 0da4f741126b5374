/** csc-mlops core: errors, MetaImage and affine maths, RandomState, backends (`csc-mlops`). */
export {
  ConfigError,
  CscMlopsError,
  DatasetError,
  ImageReadError,
  MlflowError,
  ServerRequestError,
  TransformError,
  TransformOptionError,
  UnsupportedFormatError,
  XnatAuthError,
  XnatError,
  XnatNotFoundError,
} from './errors.js';
export {
  displayIdentifier,
  identifierHash,
  isIdentifierKey,
  showPatientIdentifiers,
} from './patient-identifiers.js';
export { StorageError } from './errors.js';
export { DTYPES, type DType, type NumericArray } from './image/dtype.js';
export { affineToSpacing, type AffineMatrix } from './image/affine.js';
export { axcodesFromAffine } from './image/orientation.js';
export {
  MetaImage,
  type AppliedOperation,
  type ChannelDim,
  type ImageMeta,
  type MetaImageInit,
} from './image/meta-image.js';
export {
  MAX_SEED,
  RandomState,
  type ChoiceOptions,
  type RandintOptions,
  type RandomStateSnapshot,
} from './random/random-state.js';
export { type IntDType } from './random/bounded-integers.js';
export {
  BACKEND_ENV_VAR,
  initBackend,
  type BackendCandidate,
  type BackendChoice,
  type BackendReport,
  type InitBackendOptions,
} from './backend/init-backend.js';
export {
  tensorToImage,
  toTensor,
  type TensorToImageOptions,
  type ToTensorOptions,
} from './backend/to-tensor.js';
export { type TensorDType, type TensorLayout } from './backend/tensor-data.js';
