import { randomInt } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import { type TensorLayout, checkLayout } from '../src/backend/tensor-data.js';
import { DatasetError } from '../src/errors.js';
import { RandomState } from '../src/random/index.js';
import type { DataItem } from '../transforms/transform.js';
import { type CollateFn, disposeBatch, flattenItems, listDataCollate } from './collate.js';
import { Dataset } from './dataset.js';
import { type ItemFailure, asError, itemErrorWithSource } from './item-error.js';
import { epochShuffleSeed, itemSeed } from './item-seed.js';
import { deepCopyItem } from './item-values.js';
import { WorkerPool, assertSamePipeline } from './worker-pool.js';
import { type TfDatasetLike, type TfDatasetOptions, makeTfDataset } from './tf-dataset.js';

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Items per batch (default 1). Multi-sample transforms make batches of `batchSize × samples`. */
  batchSize?: number;
  /** Shuffle each epoch with `RandomState(seed + epoch)` (default false). */
  shuffle?: boolean;
  /**
   * Seed of the shuffle and of every item's random transforms (seeded from seed, epoch and index, so
   * results do not depend on `numWorkers`). Default: a random seed, readable as `loader.seed`.
   */
  seed?: number;
  /** Drop the last batch if it is smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Collate function (default {@link listDataCollate}; {@link padListDataCollate} pads to the largest item). */
  collate?: CollateFn;
  /**
   * Worker threads (default 0). With `transformModule`, items run in worker threads that build the
   * pipeline from that module and read cached items from shared memory. Without it, the pipeline
   * object runs on the main thread with `numWorkers` items in flight.
   */
  numWorkers?: number;
  /** Module (URL or path) exporting the pipeline factory the workers call; it must build the dataset's pipeline. */
  transformModule?: string | URL;
  /** Factory export name (default `default`, then `createTransform`, then `createPipeline`). */
  transformExport?: string;
  /** JSON-able argument for the factory. */
  factoryArgs?: unknown;
  /** Batches prepared ahead of the consumer (default 2; 0 = prepare each batch when asked). */
  prefetch?: number;
  /** Items in flight on the main thread when no worker threads run (default max(2, numWorkers)). */
  concurrency?: number;
  /** Tensor layout of image keys: `'channelsLast'` (default, `[B, x, y, z, C]`) or `'channelsFirst'`. */
  layout?: TensorLayout;
  /** Keep worker threads between epochs (default true); `close()` ends them. */
  persistentWorkers?: boolean;
  /** Node options for worker threads (default: the parent's). */
  workerExecArgv?: string[];
  /**
   * Leave out items whose pipeline fails (one bad file among many) instead of ending the epoch:
   * the batch is made of the other items (a batch whose items all fail is skipped), and
   * `loader.failures` lists each failure (epoch, index, source, error). Default false.
   */
  skipFailed?: boolean;
}

/** An item left out of an epoch by `skipFailed`. */
export interface EpochItemFailure extends ItemFailure {
  epoch: number;
}

/**
 * MONAI's DataLoader for tfjs: `for await` gives collated batches (`batch.image` is a `tf.Tensor`,
 * batch first). Shuffling uses `RandomState(seed + epoch)`; each item's random transforms are seeded
 * from (seed, epoch, index), so batches are identical for any `numWorkers`. Batches are prepared
 * `prefetch` ahead; stopping early (`break`, an error) disposes the prepared ones. The consumer owns
 * each batch it receives and frees it with `batch.dispose()`.
 *
 * @example
 * const loader = new DataLoader(ds, { batchSize: 2, shuffle: true, seed: 0, numWorkers: 2,
 *                                     transformModule: new URL('./pipeline.js', import.meta.url) });
 * for (let epoch = 0; epoch < 10; epoch++)
 *   for await (const batch of loader) { await train(batch.image, batch.label); batch.dispose(); }
 * await loader.close();
 */
export class DataLoader implements AsyncIterable<any> {
  readonly dataset: Dataset<unknown>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetch: number;
  readonly layout: TensorLayout;
  /** Items left out by `skipFailed`, in the order they failed (all epochs). */
  readonly failures: EpochItemFailure[] = [];
  private readonly collate: CollateFn;
  private readonly options: DataLoaderOptions;
  private epochValue = 0;
  private pool: WorkerPool | undefined;
  private poolStarting: Promise<WorkerPool> | undefined;

  constructor(dataset: Dataset<any> | readonly DataItem[], options: DataLoaderOptions = {}) {
    this.dataset = Array.isArray(dataset) ? new Dataset({ data: dataset }) : (dataset as Dataset<unknown>);
    if (!this.dataset || typeof (this.dataset as Dataset).fetchForLoader !== 'function')
      throw new DatasetError(
        'DataLoader needs a Dataset (Dataset, CacheDataset, PersistentDataset, ...) or an array of items',
      );
    this.options = options;
    this.batchSize = positiveInt(options.batchSize ?? 1, 'batchSize');
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? randomInt(0, 2 ** 32 - 1);
    if (!Number.isFinite(this.seed))
      throw new DatasetError(`seed must be a finite number, got ${options.seed}`);
    this.dropLast = options.dropLast ?? false;
    this.numWorkers = nonNegativeInt(options.numWorkers ?? 0, 'numWorkers');
    this.prefetch = nonNegativeInt(options.prefetch ?? 2, 'prefetch');
    try {
      this.layout = checkLayout(options.layout ?? 'channelsLast');
    } catch (e) {
      throw new DatasetError((e as Error).message);
    }
    this.collate = options.collate ?? listDataCollate;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The epoch the next iteration will run (starts at 0, +1 per iteration). */
  get epoch(): number {
    return this.epochValue;
  }

  /** Sets the epoch of the next iteration (e.g. when resuming training). */
  setEpoch(epoch: number): void {
    this.epochValue = nonNegativeInt(epoch, 'epoch');
  }

  /** True when items run in worker threads (`numWorkers > 0` and a `transformModule`). */
  get usesWorkerThreads(): boolean {
    return this.numWorkers > 0 && this.options.transformModule !== undefined;
  }

  /** The dataset indices of an epoch, in order. */
  epochOrder(epoch: number): number[] {
    const n = this.dataset.length;
    if (!this.shuffle) return Array.from({ length: n }, (_, i) => i);
    return new RandomState(epochShuffleSeed(this.seed, epoch)).permutation(n);
  }

  /** One epoch of batches; the epoch number is taken when the first batch is asked for. */
  [Symbol.asyncIterator](): AsyncIterableIterator<any> {
    return new EpochIterator(this);
  }

  /** @internal Takes the next epoch number. */
  claimEpoch(): number {
    return this.epochValue++;
  }

  /**
   * A tfjs-style dataset for `model.fitDataset`: each `iterator()` runs one epoch and yields
   * `{ xs, ys }` picked from the batch keys (other tensors of the batch are disposed; fitDataset
   * disposes xs and ys after each step).
   */
  toTfDataset(options: TfDatasetOptions): TfDatasetLike {
    return makeTfDataset(this, options);
  }

  /** Ends the worker threads (also started again automatically by the next iteration). */
  async close(): Promise<void> {
    const p = this.pool ?? (await this.poolStarting?.catch(() => undefined));
    this.pool = undefined;
    this.poolStarting = undefined;
    await p?.close();
  }

  /** @internal Starts (or reuses) the worker pool. */
  async ensurePool(): Promise<WorkerPool | undefined> {
    if (!this.usesWorkerThreads) return undefined;
    if (this.pool?.usable) return this.pool;
    if (this.pool) {
      await this.pool.close();
      this.pool = undefined;
    }
    this.poolStarting ??= (async () => {
      const pool = await WorkerPool.start({
        numWorkers: this.numWorkers,
        transformModule: this.options.transformModule as string | URL,
        transformExport: this.options.transformExport,
        factoryArgs: this.options.factoryArgs,
        execArgv: this.options.workerExecArgv,
      });
      try {
        assertSamePipeline(pool, this.dataset.transform, this.options.transformModule as string | URL);
      } catch (e) {
        await pool.close();
        throw e;
      }
      return pool;
    })();
    try {
      this.pool = await this.poolStarting;
    } finally {
      this.poolStarting = undefined;
    }
    return this.pool;
  }

  /** @internal After an epoch: ends the pool if a worker crashed or workers do not persist. */
  async endEpoch(): Promise<void> {
    if ((this.pool && !this.pool.usable) || this.options.persistentWorkers === false) await this.close();
  }

  /** @internal Items in flight at once. */
  get concurrency(): number {
    if (this.usesWorkerThreads) return this.numWorkers * 2;
    return Math.max(1, this.options.concurrency ?? Math.max(2, this.numWorkers));
  }

  /** @internal Runs the pipeline of dataset item `index` for `epoch`. */
  async runItem(index: number, epoch: number, pool: WorkerPool | undefined): Promise<unknown> {
    const ds = this.dataset;
    try {
      const f = await ds.fetchForLoader(index);
      const seed = itemSeed(this.seed, epoch, index);
      // copyCache protects the cache from the steps after the cut; with none left, collate only reads
      const copy = f.copy === true && f.start < ds.transform.length;
      if (pool)
        return await pool.run({
          item: f.item,
          start: f.start,
          seed,
          copy,
          transfer: f.fresh,
          onPrefix: f.onPrefix,
          label: `item ${index} (${ds.sourceOf(index)})`,
        });
      const item = copy ? deepCopyItem(f.item) : f.item;
      return await ds.runner.run(item, { start: f.start, seed, onPrefix: f.onPrefix });
    } catch (e) {
      throw itemErrorWithSource(index, ds.sourceOf(index), e);
    }
  }

  /**
   * @internal Runs item `index`; with `skipFailed`, a failure is recorded and gives
   * {@link SKIPPED} instead of ending the epoch.
   */
  async runOrSkip(index: number, epoch: number, pool: WorkerPool | undefined): Promise<unknown> {
    if (!this.options.skipFailed) return this.runItem(index, epoch, pool);
    try {
      return await this.runItem(index, epoch, pool);
    } catch (e) {
      this.failures.push({ epoch, index, source: this.dataset.sourceOf(index), error: asError(e) });
      return SKIPPED;
    }
  }

  /** @internal Collates the items of one batch. */
  collateItems(items: unknown[]): unknown {
    return this.collate(flattenItems(items), { layout: this.layout });
  }
}

/** What a batch or item left out by `skipFailed` gives. */
const SKIPPED = Symbol('skipped');

/** One epoch: prepares up to `prefetch` batches ahead and disposes them if the consumer stops. */
class EpochIterator implements AsyncIterableIterator<any> {
  private readonly loader: DataLoader;
  private epoch = 0;
  private groups: number[][] = [];
  private next_ = 0;
  private readonly queue: Promise<unknown>[] = [];
  private limit: LimitFunction | undefined;
  private pool: WorkerPool | undefined;
  private started = false;
  private done = false;
  private stopped = false;

  constructor(loader: DataLoader) {
    this.loader = loader;
  }

  private plan(): void {
    this.epoch = this.loader.claimEpoch();
    const order = this.loader.epochOrder(this.epoch);
    const bs = this.loader.batchSize;
    for (let i = 0; i < order.length; i += bs) {
      const g = order.slice(i, i + bs);
      if (g.length < bs && this.loader.dropLast) break;
      this.groups.push(g);
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<any> {
    return this;
  }

  private fill(target: number): void {
    while (!this.stopped && this.queue.length < target && this.next_ < this.groups.length) {
      const p = this.makeBatch(this.groups[this.next_++] as number[]);
      p.catch(() => {}); // handled when awaited; avoids unhandled-rejection noise for batches never awaited
      this.queue.push(p);
    }
  }

  private async makeBatch(indices: number[]): Promise<unknown> {
    const limit = this.limit as LimitFunction;
    const results = (
      await Promise.all(indices.map((i) => limit(() => this.loader.runOrSkip(i, this.epoch, this.pool))))
    ).filter((r) => r !== SKIPPED);
    if (this.stopped) return undefined;
    return results.length === 0 ? SKIPPED : this.loader.collateItems(results);
  }

  async next(): Promise<IteratorResult<any>> {
    if (this.done) return { done: true, value: undefined };
    if (!this.started) {
      this.started = true;
      this.plan();
      try {
        this.pool = await this.loader.ensurePool();
      } catch (e) {
        await this.finish();
        throw e;
      }
      this.limit = pLimit(this.loader.concurrency);
    }
    for (;;) {
      this.fill(Math.max(1, this.loader.prefetch));
      const head = this.queue.shift();
      if (!head) {
        await this.finish();
        return { done: true, value: undefined };
      }
      this.fill(this.loader.prefetch);
      let value: unknown;
      try {
        value = await head;
      } catch (e) {
        await this.finish();
        throw e;
      }
      if (value !== SKIPPED) return { done: false, value };
    }
  }

  async return(): Promise<IteratorResult<any>> {
    await this.finish();
    return { done: true, value: undefined };
  }

  private async finish(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.stopped = true;
    this.limit?.clearQueue();
    const pending = this.queue.splice(0);
    for (const p of pending) p.then(disposeBatch, () => {});
    await this.loader.endEpoch();
  }
}

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new DatasetError(`${name} must be a positive integer, got ${v}`);
  return v;
}

function nonNegativeInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0)
    throw new DatasetError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}
