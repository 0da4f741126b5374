/** The I/O transforms: one line per source file, public names only (a new transform is listed here and in transforms/index.ts). */
export { LoadImage, LoadImaged, type LoadImageOptions, type LoadImagedOptions } from './load-image.js';
export { SaveImage, SaveImaged, type SaveImageOptions } from './save-image.js';
export { LoadImageXNATd, type LoadImageXNATdOptions } from './load-image-xnatd.js';
export { LoadImageDICOMWebd, type LoadImageDICOMWebdOptions } from './load-image-dicomwebd.js';
