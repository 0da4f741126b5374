export * from './load-image.js';
export * from './save-image.js';
export * from './load-image-xnatd.js';
