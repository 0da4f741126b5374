import pLimit from 'p-limit';
import { DatasetError } from '../src/errors.js';
import type { DataItem } from '../transforms/transform.js';
import { Dataset, runnerOf, type DatasetOptions, type LoaderFetch } from './dataset.js';
import { DatasetBuildError, type ItemFailure, asError } from './item-error.js';
import { describeItemSource } from './item-source.js';
import { deepCopyItem, ownedItem, toSharedItem } from './item-values.js';
import { createProgress } from './progress.js';
import { type WorkerSource, runSplit, startPool, workerSource } from './split-runner.js';
import { hashItem } from './stable-hash.js';
import type { WorkerPool } from './worker-pool.js';

/** Where the deterministic prefix of a cached pipeline runs while a cache is built. */
export interface BuildWorkerOptions {
  /**
   * With `numWorkers ≥ 2`: build in worker threads that import this module and call its pipeline
   * factory (it must return the same pipeline as `transform`) — for pipelines of users' own classes.
   * Without it, the package's own transforms cross to the workers by description.
   */
  transformModule?: string | URL;
  /** Factory export name in `transformModule`. */
  transformExport?: string;
  /** Argument for the factory. */
  factoryArgs?: unknown;
}

/** Options of {@link CacheDataset.create}. */
export interface CacheDatasetOptions<T = DataItem> extends DatasetOptions<T>, BuildWorkerOptions {
  /** Most items to cache (MONAI `cache_num`, default all). */
  cacheNum?: number;
  /** Fraction of items to cache (MONAI `cache_rate`, default 1). The first `min(cacheNum, floor(n·rate))` items are cached. */
  cacheRate?: number;
  /**
   * Threads building the cache (MONAI `num_workers`, default 1: the calling thread, no worker thread
   * started). `numWorkers ≥ 2` builds in that many worker threads: the package's own transforms are
   * rebuilt there from their description; steps that cannot cross a thread (functions, `Lambdad`,
   * `LoadImageXNATd` with its session) run on the main thread before or after them. A cached prefix
   * with no step that can cross is refused at construction.
   */
  numWorkers?: number;
  /** Give each access its own deep copy of the cached item (MONAI `copy_cache`, default true). */
  copyCache?: boolean;
  /** Cache unique items once, keyed by a hash of the item (MONAI `hash_as_key`, default false). */
  hashAsKey?: boolean;
  /** Key of an item when `hashAsKey` (default: SHA-256 of its canonical JSON). */
  hashFunc?: (item: T) => string;
  /** Show a progress bar while building (default true; silent when stderr is not a terminal). */
  progress?: boolean;
  /** Fill the cache lazily on first access instead of at creation (MONAI `runtime_cache`, default false). */
  runtimeCache?: boolean;
  /** Leave out items that fail while building (listed in `failures`) instead of throwing (default false). */
  skipFailed?: boolean;
  /** Keep cached image arrays in SharedArrayBuffers so worker threads read them without copying (default true). */
  sharedMemory?: boolean;
}

type Key = string | number;

/**
 * MONAI's `CacheDataset`: runs the deterministic prefix of the pipeline (up to the first random step
 * or the first step that is not one of our transforms) once per item and keeps the result in memory;
 * every access runs only the rest. Only the first `cacheNum` items are cached. The build runs
 * `numWorkers` items at a time with a progress bar, and reports *all* failing items at the end.
 *
 * @example
 * const ds = await CacheDataset.create({ data, transform, cacheRate: 1, numWorkers: 4 });
 * const loader = new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 0 });
 */
export class CacheDataset<T = DataItem> extends Dataset<T> {
  /** Whether each access gets a deep copy of the cached item. */
  readonly copyCache: boolean;
  readonly hashAsKey: boolean;
  readonly runtimeCache: boolean;
  /** Items that failed during the last build and were skipped (`skipFailed`). */
  failures: ItemFailure[] = [];
  protected readonly options: CacheDatasetOptions<T>;
  private cacheNumValue = 0;
  private readonly entries = new Map<Key, unknown>();
  private readonly inflight = new Map<Key, Promise<unknown>>();
  private keys: Key[] = [];
  /** Where build workers get the pipeline (undefined: the build runs on the calling thread). */
  private readonly workers: WorkerSource | undefined;

  /** Use {@link CacheDataset.create}, which also builds the cache. */
  protected constructor(options: CacheDatasetOptions<T>) {
    super(options);
    this.options = options;
    this.copyCache = options.copyCache ?? true;
    this.hashAsKey = options.hashAsKey ?? false;
    this.runtimeCache = options.runtimeCache ?? false;
    const rate = options.cacheRate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw new DatasetError(`cacheRate must be in [0, 1], got ${rate}`);
    if (options.cacheNum !== undefined && !(options.cacheNum >= 0))
      throw new DatasetError(`cacheNum must be a non-negative number, got ${options.cacheNum}`);
    const nw = options.numWorkers ?? 1;
    if (!Number.isInteger(nw) || nw < 0)
      throw new DatasetError(`numWorkers must be a non-negative integer, got ${options.numWorkers}`);
    this.workers =
      nw >= 2 && this.cacheCut > 0
        ? workerSource(this.transform, options, 'CacheDataset', this.cacheCut)
        : undefined;
    this.resetKeys();
  }

  /** Creates the dataset and builds its cache (unless `runtimeCache`). */
  static async create<T = DataItem>(options: CacheDatasetOptions<T>): Promise<CacheDataset<T>> {
    const ds = new CacheDataset<T>(options);
    if (!ds.runtimeCache) await ds.build();
    return ds;
  }

  /** Number of items cached (or to be cached lazily): MONAI's `min(cache_num, int(n * cache_rate), n)`. */
  get cacheNum(): number {
    return this.cacheNumValue;
  }

  /** Number of entries in memory now. */
  get cachedCount(): number {
    return this.entries.size;
  }

  /** Replaces the data and rebuilds the cache (MONAI `set_data`). */
  async setData(data: readonly T[]): Promise<void> {
    if (!Array.isArray(data)) throw new DatasetError('setData expects an array of data items');
    this.items = data;
    this.entries.clear();
    this.inflight.clear();
    this.failures = [];
    this.resetKeys();
    if (!this.runtimeCache) await this.build();
  }

  private resetKeys(): void {
    const n = this.items.length;
    const rate = this.options.cacheRate ?? 1;
    this.cacheNumValue = Math.min(this.options.cacheNum ?? Infinity, Math.floor(n * rate), n);
    const hash = this.options.hashFunc ?? ((x: T) => hashItem(x));
    this.keys = Array.from({ length: this.cacheNumValue }, (_, i) =>
      this.hashAsKey ? hash(this.items[i] as T) : i,
    );
  }

  /** Builds (or rebuilds) the cache now. */
  async build(): Promise<void> {
    const todo: number[] = [];
    const seen = new Set<Key>();
    for (let i = 0; i < this.cacheNumValue; i++) {
      const k = this.keys[i] as Key;
      if (seen.has(k) || this.entries.has(k)) continue;
      seen.add(k);
      todo.push(i);
    }
    const failures: ItemFailure[] = [];
    let pool: WorkerPool | undefined;
    if (this.workers && todo.length > 0)
      pool = await startPool(this.transform, this.workers, {
        numWorkers: Math.min(this.options.numWorkers ?? 1, todo.length),
        concurrencyPerWorker: 2,
      });
    const progress = createProgress('Loading dataset', todo.length, this.options.progress ?? true);
    try {
      // on the calling thread, three items in flight: the next items' file reads and gunzips (libuv's
      // pool) overlap this one's transforms; on p1 (gunzip ≈ transforms ≈ 12 ms an item) three kept the
      // two cores busier than two: warm build 0.31-0.38 s against 0.35-0.42 s (benchmarks/pipeline.ts)
      const limit = pLimit(pool ? pool.size * 2 : 3);
      await Promise.all(
        todo.map((i) =>
          limit(async () => {
            try {
              const raw = this.items[i];
              const label = `item ${i} (${describeItemSource(raw)})`;
              const out = await runSplit(runnerOf(this), this.workers, pool, {
                item: raw,
                start: 0,
                end: this.cacheCut,
                shareResult: this.options.sharedMemory !== false,
                label,
              });
              this.store(this.keys[i] as Key, out);
            } catch (e) {
              failures.push({ index: i, source: describeItemSource(this.items[i]), error: asError(e) });
            } finally {
              progress.increment();
            }
          }),
        ),
      );
    } finally {
      progress.stop();
      await pool?.close();
    }
    if (failures.length === 0) return;
    failures.sort((a, b) => a.index - b.index);
    if (!this.options.skipFailed) throw new DatasetBuildError('cache', failures, todo.length);
    this.dropFailed(failures);
  }

  private dropFailed(failures: ItemFailure[]): void {
    const badKeys = new Set(failures.map((f) => this.keys[f.index] as Key));
    const keep: number[] = [];
    for (let i = 0; i < this.items.length; i++)
      if (i >= this.cacheNumValue || !badKeys.has(this.keys[i] as Key)) keep.push(i);
    const oldEntries = new Map(this.entries);
    const oldKeys = this.keys;
    const oldCacheNum = this.cacheNumValue;
    this.items = keep.map((i) => this.items[i] as T);
    this.cacheNumValue = keep.filter((i) => i < oldCacheNum).length;
    this.keys = keep.slice(0, this.cacheNumValue).map((i, j) => (this.hashAsKey ? (oldKeys[i] as Key) : j));
    this.entries.clear();
    for (let j = 0; j < this.cacheNumValue; j++) {
      const oldKey = oldKeys[keep[j] as number] as Key;
      if (oldEntries.has(oldKey)) this.entries.set(this.keys[j] as Key, oldEntries.get(oldKey));
    }
    this.failures = failures;
  }

  private store(key: Key, value: unknown): void {
    this.entries.set(key, this.options.sharedMemory === false ? ownedItem(value) : toSharedItem(value));
  }

  /** The cached prefix output of item `i` (computing and storing it if missing). */
  private async cached(i: number): Promise<unknown> {
    const key = this.keys[i] as Key;
    if (this.entries.has(key)) return this.entries.get(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = runnerOf(this)
        .run(this.items[i], { end: this.cacheCut })
        .then((x) => {
          this.store(key, x);
          return this.entries.get(key);
        });
      this.inflight.set(key, p);
      p.then(
        () => this.inflight.delete(key),
        () => this.inflight.delete(key),
      );
    }
    return p;
  }

  protected override async prepare(index: number): Promise<{ item: unknown; start: number }> {
    if (index >= this.cacheNumValue) return { item: this.items[index], start: 0 };
    const x = await this.cached(index);
    return { item: this.copyCache ? deepCopyItem(x) : x, start: this.cacheCut };
  }

  override async fetchForLoader(index: number): Promise<LoaderFetch> {
    if (index >= this.cacheNumValue) return { item: this.items[index], start: 0 };
    const key = this.keys[index] as Key;
    if (this.entries.has(key))
      return { item: this.entries.get(key), start: this.cacheCut, copy: this.copyCache };
    const pending = this.inflight.get(key);
    if (pending) return { item: await pending, start: this.cacheCut, copy: this.copyCache };
    return { item: this.items[index], start: 0, onPrefix: (x) => this.store(key, x) };
  }
}
