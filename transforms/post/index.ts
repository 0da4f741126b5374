export * from './connected-components.js';
export * from './as-discrete.js';
export * from './activations.js';
export * from './keep-largest-connected-component.js';
export * from './fill-holes.js';
export * from './label-to-contour.js';
export { LabelFilter, LabelFilterd, labelFilter } from './label-filter.js';
export type { LabelFilterOptions, LabelFilterdOptions } from './label-filter.js';
