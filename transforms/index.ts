export * from './transform.js';
export * from './map-transform.js';
export * from './randomizable.js';
export * from './invertible.js';
export * from './compose.js';
export * from './io/index.js';
export * from './utility/index.js';
export * from './crop-pad/index.js';
