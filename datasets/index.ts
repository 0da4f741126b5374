/** Datasets, caches and the DataLoader (`csc-mlops/datasets`). */
export { Dataset, Subset, type DatasetOptions, type LoaderFetch } from './dataset.js';
export { CacheDataset, type BuildWorkerOptions, type CacheDatasetOptions } from './cache-dataset.js';
export { DataLoader, type DataLoaderOptions, type EpochItemFailure } from './data-loader.js';
export {
  META_DICT_SUFFIX,
  disposeBatch,
  listDataCollate,
  type Batch,
  type BatchTensors,
  type CollatedBatch,
  type CollatedMeta,
  type CollatedValue,
  type CollateFn,
  type CollateOptions,
  type ImageBatchTensor,
  type StackedTensor,
} from './collate.js';
export { type TfDataset, type TfDatasetOptions, type TfKeys } from './tf-dataset.js';
export { type TransformInput } from './pipeline-runner.js';
export { DatasetBuildError, ItemError, type ItemFailure } from './item-error.js';
export { PadListDataCollate, padListDataCollate, type PadCollateOptions } from './pad-list-data-collate.js';
export { decollateBatch, type DecollateOptions } from './decollate.js';
export { partitionDataset, type PartitionOptions } from './partition-dataset.js';
export {
  PersistentDataset,
  type PersistentCacheStats,
  type PersistentDatasetOptions,
} from './persistent-dataset.js';
export { CacheFormatError } from './cache-file-format.js';
export { nodeCacheFileLayer, type CacheFileLayer } from './cache-file-layer.js';
export { LruCacheDataset, type LruCacheDatasetOptions, type LruCacheStats } from './lru-cache-dataset.js';
export { SmartCacheDataset, type SmartCacheDatasetOptions } from './smart-cache-dataset.js';
export { loadDecathlonDatalist, type DecathlonDatalistOptions } from './decathlon-datalist.js';
export {
  createTestImage2d,
  createTestImage3d,
  type CreateTestImageOptions,
  type TestImage,
} from './create-test-image.js';
