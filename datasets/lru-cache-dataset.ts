import { LRUCache } from 'lru-cache';
import { DatasetError } from '../src/errors.js';
import type { DataItem } from '../transforms/transform.js';
import { Dataset, runnerOf, type DatasetOptions, type LoaderFetch } from './dataset.js';
import { deepCopyItem, itemByteLength, ownedItem, toSharedItem } from './item-values.js';

/** Options of {@link LruCacheDataset}. */
export interface LruCacheDatasetOptions<T = DataItem> extends DatasetOptions<T> {
  /** Byte budget of the cache (image arrays, affines, strings; see `itemByteLength`). */
  maxBytes: number;
  /** Give each access its own deep copy of the cached item (default true). */
  copyCache?: boolean;
  /** Keep cached image arrays in SharedArrayBuffers for worker threads (default true). */
  sharedMemory?: boolean;
  /** Size of a cached item in bytes (default `itemByteLength`). */
  sizeCalculation?: (prepared: unknown) => number;
}

/** Counters of an {@link LruCacheDataset}. */
export interface LruCacheStats {
  hits: number;
  misses: number;
  /** Entries dropped to stay within `maxBytes`. */
  evictions: number;
  /** Items larger than the whole budget (computed but never cached). */
  tooLarge: number;
}

interface Entry {
  value: unknown;
}

/**
 * A memory cache bounded by bytes, for datasets larger than RAM: the deterministic prefix of each
 * item is cached on first access, and the least recently used entries are evicted to stay within
 * `maxBytes` (lru-cache with `maxSize` + `sizeCalculation`). MONAI's CacheDataset caches a count of
 * items, and users get SIGKILLed when the cache outgrows memory; this one cannot outgrow its budget.
 *
 * @example
 * const ds = new LruCacheDataset({ data, transform, maxBytes: 8 * 2 ** 30 }); // 8 GiB of cached volumes
 */
export class LruCacheDataset<T = DataItem> extends Dataset<T> {
  readonly maxBytes: number;
  readonly copyCache: boolean;
  readonly stats: LruCacheStats = { hits: 0, misses: 0, evictions: 0, tooLarge: 0 };
  private readonly cache: LRUCache<number, Entry>;
  private readonly inflight = new Map<number, Promise<unknown>>();
  private readonly shared: boolean;
  private readonly sizeOf: (prepared: unknown) => number;

  constructor(options: LruCacheDatasetOptions<T>) {
    super(options);
    if (!(Number.isFinite(options.maxBytes) && options.maxBytes > 0))
      throw new DatasetError(`maxBytes must be a positive number of bytes, got ${options.maxBytes}`);
    this.maxBytes = Math.floor(options.maxBytes);
    this.copyCache = options.copyCache ?? true;
    this.shared = options.sharedMemory ?? true;
    this.sizeOf = options.sizeCalculation ?? itemByteLength;
    this.cache = new LRUCache<number, Entry>({
      maxSize: this.maxBytes,
      sizeCalculation: (e) => Math.max(1, Math.ceil(this.sizeOf(e.value))),
      dispose: (_v, _k, reason) => {
        if (reason === 'evict') this.stats.evictions++;
      },
    });
  }

  /** Bytes held by the cache now. */
  get cachedBytes(): number {
    return this.cache.calculatedSize;
  }

  /** Entries held now. */
  get cachedCount(): number {
    return this.cache.size;
  }

  /** True if item `index` is cached now (does not refresh its recency). */
  has(index: number): boolean {
    return this.cache.has(index);
  }

  private store(index: number, value: unknown): unknown {
    const v = this.shared ? toSharedItem(value) : ownedItem(value);
    if (Math.max(1, Math.ceil(this.sizeOf(v))) > this.maxBytes) {
      this.stats.tooLarge++;
      return v;
    }
    this.cache.set(index, { value: v });
    return v;
  }

  private async cached(index: number): Promise<unknown> {
    const hit = this.cache.get(index);
    if (hit) {
      this.stats.hits++;
      return hit.value;
    }
    let p = this.inflight.get(index);
    if (!p) {
      this.stats.misses++;
      p = runnerOf(this)
        .run(this.items[index], { end: this.cacheCut })
        .then((x) => this.store(index, x));
      this.inflight.set(index, p);
      const done = (): void => void this.inflight.delete(index);
      p.then(done, done);
    }
    return p;
  }

  protected override async prepare(index: number): Promise<{ item: unknown; start: number }> {
    const x = await this.cached(index);
    return { item: this.copyCache ? deepCopyItem(x) : x, start: this.cacheCut };
  }

  override async fetchForLoader(index: number): Promise<LoaderFetch> {
    const hit = this.cache.get(index);
    if (hit) {
      this.stats.hits++;
      return { item: hit.value, start: this.cacheCut, copy: this.copyCache };
    }
    const pending = this.inflight.get(index);
    if (pending) return { item: await pending, start: this.cacheCut, copy: this.copyCache };
    this.stats.misses++;
    return { item: this.items[index], start: 0, onPrefix: (x) => void this.store(index, x) };
  }
}
