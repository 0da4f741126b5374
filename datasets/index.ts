/** Datasets, caches and the DataLoader (`csc-mlops/datasets`). */
export { Dataset, Subset } from './dataset.js';
export type { DatasetOptions, LoaderFetch } from './dataset.js';
export { CacheDataset } from './cache-dataset.js';
export type { CacheDatasetOptions, BuildWorkerOptions } from './cache-dataset.js';
export { DataLoader } from './data-loader.js';
export type { DataLoaderOptions } from './data-loader.js';
export {
  listDataCollate,
  collateMeta,
  disposeBatch,
  batchInfo,
  flattenItems,
  META_DICT_SUFFIX,
} from './collate.js';
export type { Batch, BatchInfo, BatchTensors, CollatedMeta, CollateFn, CollateOptions } from './collate.js';
export type { TfDataset, TfDatasetOptions, TfKeys } from './tf-dataset.js';
export { PipelineRunner, toCompose } from './pipeline-runner.js';
export type { RunOptions, TransformInput } from './pipeline-runner.js';
export { ItemError, DatasetBuildError, itemError } from './item-error.js';
export type { ItemFailure } from './item-error.js';
export { describeItemSource } from './item-source.js';
export { itemSeed, epochShuffleSeed } from './item-seed.js';
export { deepCopyItem, itemByteLength, toSharedItem } from './item-values.js';
export { hashItem, stableStringify } from './stable-hash.js';
export { WorkerPool, assertSamePipeline } from './worker-pool.js';
export type { WorkerPoolOptions, PoolTask } from './worker-pool.js';
export { padListDataCollate, PadListDataCollate, PAD_COLLATE_CLASS } from './pad-list-data-collate.js';
export type { PadCollateOptions } from './pad-list-data-collate.js';
export { decollateBatch } from './decollate.js';
export type { DecollateOptions } from './decollate.js';
export { partitionDataset } from './partition-dataset.js';
export type { PartitionOptions } from './partition-dataset.js';
export { PersistentDataset } from './persistent-dataset.js';
export type { PersistentDatasetOptions, PersistentCacheStats } from './persistent-dataset.js';
export {
  encodeCacheEntry,
  decodeCacheEntry,
  CacheFormatError,
  CACHE_MAGIC,
  CACHE_FORMAT_VERSION,
  CACHE_FILE_SUFFIX,
} from './cache-file-format.js';
export { nodeCacheFileLayer } from './cache-file-layer.js';
export type { CacheFileLayer } from './cache-file-layer.js';
export { LruCacheDataset } from './lru-cache-dataset.js';
export type { LruCacheDatasetOptions, LruCacheStats } from './lru-cache-dataset.js';
export { SmartCacheDataset } from './smart-cache-dataset.js';
export type { SmartCacheDatasetOptions } from './smart-cache-dataset.js';
