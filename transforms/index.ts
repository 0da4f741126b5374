/**
 * The transform catalogue (`csc-mlops/transforms`): base classes, Compose and its variants, and the
 * folder barrels below (each lists its public names explicitly; a new transform is one line there).
 */
export { Transform, isTransform, type DataItem, type TransformFunction } from './transform.js';
export { MapTransform, type MapTransformOptions } from './map-transform.js';
export {
  RandomizableMapTransform,
  RandomizableTransform,
  isRandomizable,
  type Randomizable,
  type RandomizableOptions,
} from './randomizable.js';
export { isInvertible, type Invertible } from './invertible.js';
export { Compose, type ComposeOptions, type ComposeRange, type ComposeStep } from './compose.js';
export { OneOf, type OneOfOptions } from './one-of.js';
export { RandomOrder } from './random-order.js';
export { SomeOf, type SomeOfOptions } from './some-of.js';
export {
  DEFAULT_DETERMINISM_SEED,
  getSeed,
  setDeterminism,
  type SetDeterminismOptions,
} from './determinism.js';
export * from './io/index.js';
export * from './utility/index.js';
export * from './crop-pad/index.js';
export * from './intensity/index.js';
export * from './spatial/index.js';
export * from './post/index.js';
