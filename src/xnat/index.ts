/** XNAT as a data source (`csc-mlops/xnat`): session, object model for actions, dataset builder, download cache. */
export { createXnatTlsFetch, type FetchLike, type XnatTlsOptions } from './http.js';
export { XnatSession, type XnatRequestOptions, type XnatSessionStats } from './session.js';
export { XNAT_USER_AGENT, resolveXnatConfig, type ResolvedXnatConfig, type XnatConfig } from './config.js';
export { netrcCredentials, type Netrc, type NetrcEntry } from './netrc.js';
export { XnatCollection } from './collection.js';
export { ProjectData } from './project-data.js';
export { SubjectData, type SubjectRef } from './subject-data.js';
export { ExperimentData } from './experiment-data.js';
export { ImageScanData } from './image-scan-data.js';
export { ResourceData } from './resource-data.js';
export {
  XnatActionError,
  type ActionSelection,
  type XnatAction,
  type XnatActionPair,
  type XnatActionResult,
  type XnatActionTarget,
} from './actions.js';
export {
  xnatBuildDataset,
  xnatBuildDatasetWithReport,
  type DroppedSubject,
  type XnatBuildDatasetOptions,
  type XnatDataItem,
  type XnatDatasetReport,
} from './build-dataset.js';
export {
  XnatDownloadCache,
  defaultXnatCacheDir,
  type CachedFiles,
  type XnatDownloadCacheOptions,
} from './download.js';
export { type CacheEntry } from '../download/entry-cache.js';
export { ZipCorruptError, ZipUnsafeEntryError, DEFAULT_ZIP_LIMITS, type ZipLimits } from './zip-extract.js';
export { type ImageSeries, type XnatSeriesOption } from './series.js';
export { type ScanImage, type ScanImageOptions } from './scan-images.js';
export { runXnatCli, type XnatCliIo } from './cli.js';
export { type XnatRow } from './listing.js';
