/** csc-mlops core: errors, MetaImage and affine maths, RandomState, backends (`csc-mlops`). */
export * from './errors.js';
export * from './image/dtype.js';
export * from './image/affine.js';
export * from './image/all-close.js';
export * from './image/meta-image.js';
export * from './image/orientation.js';
export * from './image/stack.js';
export * from './image/strided.js';
export * from './random/index.js';
export * from './backend/index.js';
