export * from './affine-utils.js';
export * from './spacing.js';
export * from './orientation.js';
export * from './flip.js';
export * from './rotate90.js';
export * from './interpolate.js';
export * from './resize.js';
export * from './zoom.js';
