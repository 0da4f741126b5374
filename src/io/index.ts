/** File formats: readers, writers and the reader registry (`csc-mlops/io`). */
export * from './image-reader.js';
export * from './reader-registry.js';
export * from './read-file.js';
export * from './numpy.js';
export * from './nifti/nifti-header.js';
export * from './nifti/nifti-reader.js';
export * from './nifti/nifti-writer.js';
export * from './dicom/index.js';
