/** The post-processing transforms: one line per source file, public names only (a new transform is listed here and in transforms/index.ts). */
export { AsDiscrete, AsDiscreted, type AsDiscreteOptions, type AsDiscretedOptions } from './as-discrete.js';
export {
  Activations,
  Activationsd,
  type ActivationFunction,
  type ActivationsOptions,
  type ActivationsdOptions,
} from './activations.js';
export {
  KeepLargestConnectedComponent,
  KeepLargestConnectedComponentd,
  type KeepLargestConnectedComponentOptions,
} from './keep-largest-connected-component.js';
export { FillHoles, FillHolesd, type FillHolesOptions } from './fill-holes.js';
export { LabelToContour, LabelToContourd, type LabelToContourOptions } from './label-to-contour.js';
export {
  LabelFilter,
  LabelFilterd,
  type LabelFilterOptions,
  type LabelFilterdOptions,
} from './label-filter.js';
export {
  RemoveSmallObjects,
  RemoveSmallObjectsd,
  type RemoveSmallObjectsOptions,
  type RemoveSmallObjectsdOptions,
} from './remove-small-objects.js';
