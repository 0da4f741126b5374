/** DICOMweb as a data source (`csc-mlops/dicomweb`): QIDO/WADO/STOW client, object model for actions, dataset builder, download cache. */
export { type DicomwebConfig, resolveDicomwebConfig, type ResolvedDicomwebConfig } from './config.js';
export { DicomwebClient, type DicomwebClientStats, type RetrieveOptions, type StowResult } from './client.js';
export { type DateRange, type QidoQuery, qidoParams, redactIdentifiers } from './query.js';
export { type DicomJson, jsonNumber, jsonString, jsonValues, keywordOf, tagOf } from './dicom-json.js';
export {
  MultipartError,
  type MultipartPart,
  type OutgoingPart,
  type ParseMultipartOptions,
  contentTypeParameter,
  multipartBody,
  parseMultipart,
} from './multipart.js';
export {
  DicomwebPatient,
  DicomwebSeries,
  DicomwebStudy,
  type LoadPatientsOptions,
  loadPatients,
  parseSeriesUri,
  seriesUri,
} from './model.js';
export {
  type DicomwebAction,
  DicomwebActionError,
  type DicomwebActionResult,
  type DicomwebSelection,
  normalizeDicomwebActions,
  runDicomwebActions,
} from './actions.js';
export {
  type DicomwebBuildDatasetOptions,
  type DicomwebDataItem,
  dicomwebBuildDataset,
} from './build-dataset.js';
export {
  type CachedSeries,
  DicomwebDownloadCache,
  type DicomwebDownloadCacheOptions,
  defaultDicomwebCacheDir,
} from './download.js';
export { type CacheEntry } from '../download/entry-cache.js';
export { type DicomwebCliIo, runDicomwebCli } from './cli.js';
export {
  CacheWriteError,
  DicomwebAuthError,
  DicomwebError,
  DicomwebNotFoundError,
  DownloadTooLargeError,
} from '../errors.js';
