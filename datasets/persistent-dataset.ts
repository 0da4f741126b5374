import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { DatasetError, describeError, writeErrorHint } from '../src/errors.js';
import { removeAbandonedTempFiles } from '../src/tracking/atomic-write.js';
import { isTransform } from '../transforms/transform.js';
import type { DataItem } from '../transforms/transform.js';
import {
  CACHE_FILE_SUFFIX,
  CACHE_FORMAT_VERSION,
  CacheFormatError,
  decodeCacheEntry,
  encodeCacheEntry,
} from './cache-file-format.js';
import { type CacheFileLayer, nodeCacheFileLayer } from './cache-file-layer.js';
import { Dataset, runnerOf, type DatasetOptions, type LoaderFetch } from './dataset.js';
import { describeItemSource } from './item-source.js';
import { hashItem, stableStringify } from './stable-hash.js';

/** Options of {@link PersistentDataset}. */
export interface PersistentDatasetOptions<T = DataItem> extends DatasetOptions<T> {
  /** Folder of the cache entries (created if missing). */
  cacheDir: string;
  /**
   * Put the cached transforms in the key (classes, options as JSON, function sources) so a changed
   * pipeline never serves stale entries (default true). `false` keys by the item only, like MONAI
   * without `hash_transform` (MONAI#999); a function maps the pipeline description to a string.
   */
  hashTransform?: boolean | ((description: unknown) => string);
  /** Your own version of the cached data: change it to invalidate every entry (default ''). */
  cacheVersion?: string | number;
  /** Key of an item (default: SHA-256 of its canonical JSON, keys sorted). */
  hashFunc?: (item: T) => string;
  /** File operations (default: Node's fs); inject one to test failures such as a full disk. */
  fileLayer?: CacheFileLayer;
  /** Called when a corrupt or unreadable entry is deleted and rebuilt. */
  onRebuild?: (info: { index: number; path: string; reason: string }) => void;
}

/** Counters of a {@link PersistentDataset}. */
export interface PersistentCacheStats {
  /** Entries read from disk. */
  hits: number;
  /** Entries computed because none existed. */
  misses: number;
  /** Entries written. */
  writes: number;
  /** Corrupt entries deleted and rebuilt. */
  rebuilt: number;
}

/**
 * MONAI's `PersistentDataset`: the deterministic prefix of the pipeline is cached on disk, one file
 * per item (format: see `cache-file-format.ts`), and only the rest runs on each access. The key hashes
 * the item, the cached transforms and `cacheVersion`, so editing the pipeline never serves stale data
 * (MONAI#999). Entries are written under a temporary name and renamed; a corrupt entry (checksum) is
 * rebuilt; a failed write (e.g. a full disk) is an error and leaves no partial entry. MetaImage meta,
 * affine, dtype and applied operations are kept (MONAI PR #8628's bug cannot happen).
 *
 * @example
 * const ds = new PersistentDataset({ data, transform, cacheDir: '/scratch/cache', cacheVersion: 'v2' });
 */
export class PersistentDataset<T = DataItem> extends Dataset<T> {
  readonly cacheDir: string;
  readonly stats: PersistentCacheStats = { hits: 0, misses: 0, writes: 0, rebuilt: 0 };
  private readonly options: PersistentDatasetOptions<T>;
  private readonly layer: CacheFileLayer;
  private readonly pipelineKey: string;
  private dirReady: Promise<void> | undefined;
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(options: PersistentDatasetOptions<T>) {
    super(options);
    if (typeof options.cacheDir !== 'string' || options.cacheDir === '')
      throw new DatasetError('PersistentDataset needs cacheDir: the folder of its cache files');
    if (endianness() !== 'LE')
      throw new DatasetError('the persistent cache format is little-endian; this machine is big-endian');
    this.options = options;
    this.cacheDir = options.cacheDir;
    this.layer = options.fileLayer ?? nodeCacheFileLayer;
    const steps = this.transform.transforms.slice(0, this.cacheCut);
    const description = steps.map((t) => (isTransform(t) ? t.describe() : `fn:${String(t)}`));
    const ht = options.hashTransform ?? true;
    this.pipelineKey =
      ht === false ? '' : typeof ht === 'function' ? ht(description) : stableStringify(description);
  }

  /** The cache key of item `index`. */
  keyOf(index: number): string {
    const item = this.items[index] as T;
    const itemKey = this.options.hashFunc ? this.options.hashFunc(item) : hashItem(item);
    return hashItem({
      format: CACHE_FORMAT_VERSION,
      item: itemKey,
      transforms: this.pipelineKey,
      cacheVersion: String(this.options.cacheVersion ?? ''),
    });
  }

  /** The file of item `index`'s entry. */
  pathOf(index: number): string {
    return join(this.cacheDir, this.keyOf(index) + CACHE_FILE_SUFFIX);
  }

  protected override async prepare(index: number): Promise<{ item: unknown; start: number }> {
    return { item: await this.cached(index), start: this.cacheCut };
  }

  override async fetchForLoader(index: number): Promise<LoaderFetch> {
    const key = this.keyOf(index);
    const pending = this.inflight.get(key);
    if (pending) return { item: await pending, start: this.cacheCut };
    const hit = await this.read(index, key);
    if (hit !== undefined) return { item: hit.item, start: this.cacheCut, fresh: true };
    this.stats.misses++;
    return { item: this.items[index], start: 0, onPrefix: (x) => this.write(index, key, x) };
  }

  /** The prefix output of item `index`: from disk, or computed and written. */
  private async cached(index: number): Promise<unknown> {
    const key = this.keyOf(index);
    let p = this.inflight.get(key);
    if (!p) {
      p = (async () => {
        const hit = await this.read(index, key);
        if (hit !== undefined) return hit.item;
        this.stats.misses++;
        const x = await runnerOf(this).run(this.items[index], { end: this.cacheCut });
        await this.write(index, key, x);
        return x;
      })();
      this.inflight.set(key, p);
      const done = (): void => void this.inflight.delete(key);
      p.then(done, done);
    }
    return p;
  }

  private async read(index: number, key: string): Promise<{ item: unknown } | undefined> {
    const path = join(this.cacheDir, key + CACHE_FILE_SUFFIX);
    let bytes: Uint8Array;
    try {
      bytes = await this.layer.readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new DatasetError(
        `cannot read the persistent cache entry of item ${index} (${path}): ${describeError(e)}`,
        index,
        { cause: e },
      );
    }
    try {
      const { item } = decodeCacheEntry(bytes, key);
      this.stats.hits++;
      return { item };
    } catch (e) {
      if (!(e instanceof CacheFormatError)) throw e;
      this.stats.rebuilt++;
      this.options.onRebuild?.({ index, path, reason: e.message });
      await this.layer.unlink(path).catch(() => {});
      return undefined;
    }
  }

  private async write(index: number, key: string, item: unknown): Promise<void> {
    const final = join(this.cacheDir, key + CACHE_FILE_SUFFIX);
    const tmp = join(this.cacheDir, `.tmp-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
    const chunks = encodeCacheEntry(item, key); // unstorable values fail here, before touching the disk
    try {
      // Once per process: create the folder and sweep what killed writers left behind.
      this.dirReady ??= this.layer
        .mkdir(this.cacheDir)
        .then(() => removeAbandonedTempFiles(this.cacheDir))
        .then(() => undefined);
      await this.dirReady;
      await this.layer.writeFile(tmp, chunks);
      await this.layer.rename(tmp, final);
      this.stats.writes++;
    } catch (e) {
      this.dirReady = undefined;
      await this.layer.unlink(tmp).catch(() => {});
      const hint = writeErrorHint((e as NodeJS.ErrnoException).code, 'choose another cacheDir');
      throw new DatasetError(
        `cannot write the persistent cache entry of item ${index} (${describeItemSource(this.items[index])}) to ${final}: ${describeError(e)}${hint}`,
        index,
        { cause: e },
      );
    }
  }
}
