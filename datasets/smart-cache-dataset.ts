import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { DatasetError } from '../src/errors.js';
import { RandomState } from '../src/random/index.js';
import type { DataItem } from '../transforms/transform.js';
import { Dataset, runnerOf, type DatasetOptions, type LoaderFetch } from './dataset.js';
import { DatasetBuildError, type ItemFailure, asError } from './item-error.js';
import { describeItemSource } from './item-source.js';
import { deepCopyItem, toSharedItem } from './item-values.js';
import { createProgress } from './progress.js';

/** Options of {@link SmartCacheDataset.create} (MONAI's names and defaults). */
export interface SmartCacheDatasetOptions<T = DataItem> extends DatasetOptions<T> {
  /** Fraction of the window replaced each epoch (default 0.1). */
  replaceRate?: number;
  /** Window size (default all); with `cacheRate`, `min(cacheNum, floor(n·rate), n)`. */
  cacheNum?: number;
  /** Default 1. */
  cacheRate?: number;
  /** Items built at once for the first window (default: the number of CPUs). */
  numInitWorkers?: number;
  /** Replacement items built at once in the background (default 1, as MONAI). */
  numReplaceWorkers?: number;
  /** Progress bar for the first window (default true). */
  progress?: boolean;
  /** Shuffle the data once with `RandomState(seed)` before windowing (default true). */
  shuffle?: boolean;
  /** Default 0. */
  seed?: number;
  /** Deep copy on access (default true). */
  copyCache?: boolean;
}

/**
 * MONAI's `SmartCacheDataset`: a window of `cacheNum` cached items over the (shuffled) data; while an
 * epoch trains, `ceil(cacheNum · replaceRate)` replacement items are prepared in the background, and
 * `updateCache()` (call it after each epoch) swaps the oldest items for them, sliding the window
 * round the data. `length` is `cacheNum`.
 *
 * @example
 * const ds = await SmartCacheDataset.create({ data, transform, cacheNum: 100, replaceRate: 0.2 });
 * ds.start();
 * for (let e = 0; e < epochs; e++) { for await (const b of loader) { ...; b.dispose(); } await ds.updateCache(); }
 * ds.shutdown();
 */
export class SmartCacheDataset<T = DataItem> extends Dataset<T> {
  readonly cacheNum: number;
  readonly replaceNum: number;
  readonly copyCache: boolean;
  private readonly opts: SmartCacheDatasetOptions<T>;
  private cache: { index: number; value: unknown }[] = [];
  private startPos = 0;
  private replacing: Promise<{ index: number; value: unknown }[]> | undefined;
  private running = false;
  /** Number of completed window updates. */
  round = 0;

  /** Use {@link SmartCacheDataset.create}. */
  protected constructor(options: SmartCacheDatasetOptions<T>) {
    const data = [...options.data];
    if (options.shuffle ?? true) new RandomState(options.seed ?? 0).shuffle(data);
    super({ ...options, data });
    this.opts = options;
    const n = data.length;
    const rate = options.cacheRate ?? 1;
    this.cacheNum = Math.min(options.cacheNum ?? Infinity, Math.floor(n * rate), n);
    const replaceRate = options.replaceRate ?? 0.1;
    if (!(replaceRate >= 0 && replaceRate <= 1))
      throw new DatasetError(`replaceRate must be in [0, 1], got ${replaceRate}`);
    this.replaceNum = Math.min(Math.ceil(this.cacheNum * replaceRate), n - this.cacheNum);
    this.copyCache = options.copyCache ?? true;
  }

  /** Creates the dataset and builds the first window. */
  static async create<T = DataItem>(options: SmartCacheDatasetOptions<T>): Promise<SmartCacheDataset<T>> {
    const ds = new SmartCacheDataset<T>(options);
    await ds.buildWindow();
    return ds;
  }

  override get length(): number {
    return this.cacheNum;
  }

  /** Data indices (into the shuffled data) of the current window. */
  get window(): number[] {
    return this.cache.map((c) => c.index);
  }

  private async compute(index: number): Promise<{ index: number; value: unknown }> {
    const value = await runnerOf(this).run(this.items[index], { end: this.cacheCut });
    return { index, value: toSharedItem(value) };
  }

  private async buildWindow(): Promise<void> {
    const limit = pLimit(Math.max(1, this.opts.numInitWorkers ?? availableParallelism()));
    const progress = createProgress('Loading smart cache', this.cacheNum, this.opts.progress ?? true);
    const failures: ItemFailure[] = [];
    const out: { index: number; value: unknown }[] = [];
    try {
      await Promise.all(
        Array.from({ length: this.cacheNum }, (_, k) =>
          limit(async () => {
            try {
              out[k] = await this.compute(k);
            } catch (e) {
              failures.push({ index: k, source: describeItemSource(this.items[k]), error: asError(e) });
            } finally {
              progress.increment();
            }
          }),
        ),
      );
    } finally {
      progress.stop();
    }
    if (failures.length)
      throw new DatasetBuildError(
        'smart cache',
        failures.sort((a, b) => a.index - b.index),
        this.cacheNum,
      );
    this.cache = out;
  }

  private replacementIndices(): number[] {
    const n = this.items.length;
    return Array.from({ length: this.replaceNum }, (_, i) => (this.startPos + this.cacheNum + i) % n);
  }

  private startReplacement(): void {
    if (this.replaceNum === 0 || this.replacing) return;
    const limit = pLimit(Math.max(1, this.opts.numReplaceWorkers ?? 1));
    this.replacing = Promise.all(this.replacementIndices().map((i) => limit(() => this.compute(i))));
    this.replacing.catch(() => {}); // reported by updateCache
  }

  /** Starts preparing the next replacements in the background (MONAI `start`). */
  start(): void {
    this.running = true;
    this.startReplacement();
  }

  /**
   * Waits for the replacements, swaps out the oldest `replaceNum` items and starts preparing the next
   * ones (MONAI `update_cache`; call after each epoch).
   */
  async updateCache(): Promise<void> {
    if (this.replaceNum === 0) return;
    this.startReplacement();
    const replacing = this.replacing as Promise<{ index: number; value: unknown }[]>;
    this.replacing = undefined;
    let repl: { index: number; value: unknown }[];
    try {
      repl = await replacing;
    } catch (e) {
      throw new DatasetError(
        `preparing the smart cache replacements failed: ${asError(e).message}`,
        undefined,
        { cause: e },
      );
    }
    this.cache = [...this.cache.slice(this.replaceNum), ...repl];
    this.startPos = (this.startPos + this.replaceNum) % this.items.length;
    this.round++;
    if (this.running) this.startReplacement();
  }

  /** Stops background replacement (MONAI `shutdown`). */
  shutdown(): void {
    this.running = false;
  }

  override sourceOf(index: number): string {
    const slot = this.cache[index];
    return describeItemSource(slot === undefined ? undefined : this.items[slot.index]);
  }

  protected override async prepare(index: number): Promise<{ item: unknown; start: number }> {
    const v = (this.cache[index] as { value: unknown }).value;
    return { item: this.copyCache ? deepCopyItem(v) : v, start: this.cacheCut };
  }

  override async fetchForLoader(index: number): Promise<LoaderFetch> {
    return {
      item: (this.cache[index] as { value: unknown }).value,
      start: this.cacheCut,
      copy: this.copyCache,
    };
  }
}
