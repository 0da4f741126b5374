export * from './affine-utils.js';
export * from './spacing.js';
