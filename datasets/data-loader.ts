import { randomInt } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import { type TensorLayout, checkLayout } from '../src/backend/tensor-data.js';
import { DatasetError } from '../src/errors.js';
import { RandomState } from '../src/random/index.js';
import type { DataItem } from '../transforms/transform.js';
import {
  type Batch,
  type BatchTensors,
  type CollateFn,
  disposeBatch,
  flattenItems,
  listDataCollate,
} from './collate.js';
import { Dataset, runnerOf } from './dataset.js';
import { type ItemFailure, asError, itemErrorWithSource } from './item-error.js';
import { epochShuffleSeed, itemSeed } from './item-seed.js';
import { type WorkerSource, runSplit, startPool, workerSource } from './split-runner.js';
import { type TfDataset, type TfDatasetOptions, makeTfDataset } from './tf-dataset.js';
import type { WorkerPool } from './worker-pool.js';

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
   * Worker threads (default 0, as MONAI: the main thread runs the pipeline). With `numWorkers > 0`,
   * the package's own transforms run in that many worker threads, rebuilt there from their
   * description (class and options); steps that cannot cross a thread (plain functions, `Lambdad`,
   * users' classes, `LoadImageXNATd` with its session) run on the main thread before or after them.
   * A pipeline with no step that can cross is refused at construction. Cached items are read from
   * shared memory; results come back transferred, not copied.
   */
  numWorkers?: number;
  /**
   * Module (URL or path) exporting a factory that builds the dataset's pipeline in each worker:
   * the way to run users' own transform classes or functions in workers (whole pipeline).
   */
  transformModule?: string | URL;
  /** Factory export name (default `default`, then `createTransform`, then `createPipeline`). */
  transformExport?: string;
  /** JSON-able argument for the factory. */
  factoryArgs?: unknown;
  /** Batches prepared ahead of the consumer (default 2; 0 = prepare each batch when asked). */
  prefetch?: number;
  /**
   * Items in flight when no worker threads run (default 3: the next items' file reads and gunzips
   * overlap this one's transforms; on the p1 benchmark three made an epoch about 10% faster than two).
   */
  concurrency?: number;
  /** Tensor layout of image keys: `'channelsLast'` (default, `[B, x, y, z, C]`) or `'channelsFirst'`. */
  layout?: TensorLayout;
  /** Keep worker threads between epochs (default true); `close()` ends them. */
  persistentWorkers?: boolean;
  /**
   * Node options for worker threads (default: the parent's, without tsx's loader, as workers run
   * JavaScript, and without V8 and process-wide options such as `--max-old-space-size`, which Node
   * refuses in a worker and which apply to its threads already).
   */
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
 * `T` names the batch's tensors, from the items the pipeline gives
 * (`CollatedBatch<{ image: MetaImage; label: MetaImage }, 3>`: both `tf.Tensor5D`) or directly
 * (`{ image: tf.Tensor5D; label: tf.Tensor5D }`); by default every key is a `tf.Tensor`.
 *
 * @example
 * const loader = new DataLoader<{ image: tf.Tensor5D }>(ds, { batchSize: 2, shuffle: true, seed: 0, numWorkers: 2 });
 * for (let epoch = 0; epoch < 10; epoch++)
 *   for await (const batch of loader) { await train(batch.image); batch.dispose(); }
 * await loader.close();
 */
export class DataLoader<T extends object = BatchTensors> implements AsyncIterable<Batch<T>>, AsyncDisposable {
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
  /** Where the workers get their pipeline (undefined: no worker threads). */
  private readonly workers: WorkerSource | undefined;

  constructor(dataset: Dataset<unknown> | readonly DataItem[], options: DataLoaderOptions = {}) {
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
    this.workers =
      this.numWorkers > 0 ? workerSource(this.dataset.transform, options, 'DataLoader') : undefined;
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

  /** True when items run in worker threads (`numWorkers > 0`). */
  get usesWorkerThreads(): boolean {
    return this.workers !== undefined;
  }

  /** The steps `[start, end)` the worker threads run (the rest runs on the main thread); undefined without workers. */
  get workerSteps(): { start: number; end: number } | undefined {
    if (!this.workers) return undefined;
    if ('plan' in this.workers) return { start: this.workers.plan.start, end: this.workers.plan.end };
    return { start: 0, end: this.dataset.transform.length };
  }

  /** The dataset indices of an epoch, in order. */
  epochOrder(epoch: number): number[] {
    const n = this.dataset.length;
    if (!this.shuffle) return Array.from({ length: n }, (_, i) => i);
    return new RandomState(epochShuffleSeed(this.seed, epoch)).permutation(n);
  }

  /** One epoch of batches; the epoch number is taken when the first batch is asked for. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Batch<T>> {
    return new EpochIterator<T>({
      batchSize: this.batchSize,
      dropLast: this.dropLast,
      prefetch: this.prefetch,
      epochOrder: (epoch) => this.epochOrder(epoch),
      claimEpoch: () => this.claimEpoch(),
      ensurePool: () => this.ensurePool(),
      endEpoch: () => this.endEpoch(),
      concurrency: () => this.concurrency,
      runOrSkip: (index, epoch, pool) => this.runOrSkip(index, epoch, pool),
      collateItems: (items) => this.collateItems(items),
    });
  }

  /** Takes the next epoch number. */
  private claimEpoch(): number {
    return this.epochValue++;
  }

  /**
   * A `tf.data.Dataset` for `model.fitDataset` and tfjs-data's operators (`map`, `prefetch`,
   * `take`, ...): each `iterator()` runs one loader epoch and yields `{ xs, ys }` picked from the
   * batch keys (other tensors of the batch are disposed; fitDataset disposes xs and ys after each
   * step).
   */
  toTfDataset(options: TfDatasetOptions): TfDataset {
    return makeTfDataset(this, options);
  }

  /**
   * Starts the worker threads now and resolves when they are ready (otherwise the first epoch starts
   * them); nothing to start with `numWorkers: 0`.
   */
  async startWorkers(): Promise<void> {
    await this.ensurePool();
  }

  /** Ends the worker threads (started again by the next iteration). */
  async stopWorkers(): Promise<void> {
    const p = this.pool ?? (await this.poolStarting?.catch(() => undefined));
    this.pool = undefined;
    this.poolStarting = undefined;
    await p?.close();
  }

  /**
   * Ends the worker threads and closes the dataset's transforms that hold resources (e.g. the XNAT
   * session of `LoadImageXNATd`). Also `await using loader = new DataLoader(...)`.
   */
  async close(): Promise<void> {
    await this.stopWorkers();
    await this.dataset.close();
  }

  /** `await using` support: {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Starts (or reuses) the worker pool. */
  private async ensurePool(): Promise<WorkerPool | undefined> {
    const source = this.workers;
    if (!source) return undefined;
    if (this.pool?.usable) return this.pool;
    if (this.pool) {
      await this.pool.close();
      this.pool = undefined;
    }
    this.poolStarting ??= startPool(this.dataset.transform, source, {
      numWorkers: this.numWorkers,
      execArgv: this.options.workerExecArgv,
    });
    try {
      this.pool = await this.poolStarting;
    } finally {
      this.poolStarting = undefined;
    }
    return this.pool;
  }

  /** After an epoch: ends the pool if a worker crashed or workers do not persist. */
  private async endEpoch(): Promise<void> {
    if ((this.pool && !this.pool.usable) || this.options.persistentWorkers === false)
      await this.stopWorkers();
  }

  /** Items in flight at once. */
  private get concurrency(): number {
    if (this.usesWorkerThreads) return this.numWorkers * 2;
    return Math.max(1, this.options.concurrency ?? 3);
  }

  /** Runs the pipeline of dataset item `index` for `epoch`. */
  private async runItem(index: number, epoch: number, pool: WorkerPool | undefined): Promise<unknown> {
    const ds = this.dataset;
    try {
      const f = await ds.fetchForLoader(index);
      // copyCache protects the cache from later steps that may change their input (copy-on-write)
      return await runSplit(runnerOf(ds), this.workers, pool, {
        item: f.item,
        start: f.start,
        seed: itemSeed(this.seed, epoch, index),
        copy: f.copy,
        fresh: f.fresh,
        onPrefix: f.onPrefix,
        label: `item ${index} (${ds.sourceOf(index)})`,
      });
    } catch (e) {
      throw itemErrorWithSource(index, ds.sourceOf(index), e);
    }
  }

  /**
   * Runs item `index`; with `skipFailed`, a failure is recorded and gives `SKIPPED` instead of
   * ending the epoch.
   */
  private async runOrSkip(index: number, epoch: number, pool: WorkerPool | undefined): Promise<unknown> {
    if (!this.options.skipFailed) return this.runItem(index, epoch, pool);
    try {
      return await this.runItem(index, epoch, pool);
    } catch (e) {
      this.failures.push({ epoch, index, source: this.dataset.sourceOf(index), error: asError(e) });
      return SKIPPED;
    }
  }

  /** Collates the items of one batch. */
  private collateItems(items: unknown[]): unknown {
    return this.collate(flattenItems(items), { layout: this.layout });
  }
}

/** What a batch or item left out by `skipFailed` gives. */
const SKIPPED = Symbol('skipped');

/** What an epoch needs of its DataLoader (the loader's private parts, handed over as closures). */
interface EpochHooks {
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly prefetch: number;
  epochOrder(epoch: number): number[];
  claimEpoch(): number;
  ensurePool(): Promise<WorkerPool | undefined>;
  endEpoch(): Promise<void>;
  concurrency(): number;
  runOrSkip(index: number, epoch: number, pool: WorkerPool | undefined): Promise<unknown>;
  collateItems(items: unknown[]): unknown;
}

/** One epoch: prepares up to `prefetch` batches ahead and disposes them if the consumer stops. */
class EpochIterator<T extends object> implements AsyncIterableIterator<Batch<T>> {
  private readonly loader: EpochHooks;
  private epoch = 0;
  private groups: number[][] = [];
  private next_ = 0;
  private readonly queue: Promise<unknown>[] = [];
  private limit: LimitFunction | undefined;
  private pool: WorkerPool | undefined;
  private started = false;
  private done = false;
  private stopped = false;

  constructor(loader: EpochHooks) {
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

  [Symbol.asyncIterator](): AsyncIterableIterator<Batch<T>> {
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

  async next(): Promise<IteratorResult<Batch<T>, undefined>> {
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
      this.limit = pLimit(this.loader.concurrency());
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
      if (value !== SKIPPED) return { done: false, value: value as Batch<T> };
    }
  }

  async return(): Promise<IteratorResult<Batch<T>, undefined>> {
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
