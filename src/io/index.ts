/** File formats: readers, writers and the reader registry (`csc-mlops/io`). */
export { type ImageReader, type ReadOptions } from './image-reader.js';
export { findReader, getReader, readerNames, registerReader } from './reader-registry.js';
export { NumpyReader, readNpy, writeNpy, type NpyArray, type NumpyReadOptions } from './numpy.js';
export { parseNiftiHeader, type NiftiHeader } from './nifti/nifti-header.js';
export { NibabelReader, readNifti, readNiftiHeader, type NiftiReadOptions } from './nifti/nifti-reader.js';
export { writeNifti } from './nifti/nifti-writer.js';
export { PydicomReader, readDicom, type PydicomReaderOptions } from './dicom/pydicom-reader.js';
export {
  assembleSeries,
  type AssembleSeriesOptions,
  type AssembledSeries,
  type SeriesOption,
  type SeriesSlice,
  type SortBy,
} from './dicom/assemble-series.js';
export {
  NotDicomError,
  parseDicomBuffer,
  parseDicomFile,
  type DicomFile,
  type ParseDicomFileOptions,
  type ParseDicomOptions,
} from './dicom/parse.js';
export {
  NoPixelDataError,
  readImageHeader,
  type DicomImageHeader,
  type FrameGeometry,
} from './dicom/image-header.js';
export { RleError } from './dicom/rle.js';
export { CodecError, CodecUnsupportedError } from './dicom/codecs.js';
export {
  TRANSFER_SYNTAXES,
  describeTransferSyntax,
  type PixelEncoding,
  type TransferSyntax,
} from './dicom/transfer-syntax.js';
