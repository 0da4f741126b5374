export * from './load-image.js';
export * from './save-image.js';
export * from './load-image-xnatd.js';
export { LoadImageDICOMWebd, type LoadImageDICOMWebdOptions } from './load-image-dicomwebd.js';
