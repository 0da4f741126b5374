export * from './load-image.js';
export * from './save-image.js';
