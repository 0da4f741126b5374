/**
 * DICOM: parsing (dicom-parser, typed errors), pixel decoding (native, RLE, JPEG family, JPEG-LS,
 * JPEG 2000, HTJ2K), series assembly and MONAI's `PydicomReader`.
 */
export { PydicomReader, readDicom, type PydicomReaderOptions } from './pydicom-reader.js';
export {
  assembleSeries,
  assembleFrames,
  type AssembleSeriesOptions,
  type AssembledSeries,
  type SeriesSlice,
  type SeriesOption,
  type SortBy,
} from './assemble-series.js';
export {
  parseDicomBuffer,
  parseDicomFile,
  hasDicmMagic,
  guessTransferSyntax,
  NotDicomError,
  PIXEL_DATA_TAG,
  type DicomFile,
  type ParseDicomOptions,
  type ParseDicomFileOptions,
} from './parse.js';
export {
  readImageHeader,
  NoPixelDataError,
  type DicomImageHeader,
  type FrameGeometry,
} from './image-header.js';
export {
  decodeFrame,
  decodeFrames,
  encapsulatedFrame,
  checkDecodable,
  storedDType,
  outputSamples,
  ybrFullToRgb,
} from './decode-frames.js';
export { decodeRle, RleError } from './rle.js';
export {
  loadedCodecs,
  jpegPrecision,
  jpegAsStoredRgb,
  decodeCompressedFrame,
  CodecError,
  CodecUnsupportedError,
  type DecodedSamples,
} from './codecs.js';
export {
  TRANSFER_SYNTAXES,
  transferSyntaxInfo,
  describeTransferSyntax,
  type TransferSyntax,
  type PixelEncoding,
} from './transfer-syntax.js';
export { dicomAffine, sliceNormal, type DicomAffineInput } from './geometry.js';
export { SliceWriter, type RescaleMode } from './slice-writer.js';
export { dicomMetaAttributes, type DicomMetaOptions } from './meta.js';
export { META_ATTRIBUTES, type DicomAttribute } from './tags.js';
