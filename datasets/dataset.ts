import { DatasetError } from '../src/errors.js';
import type { Compose } from '../transforms/compose.js';
import type { DataItem } from '../transforms/transform.js';
import { itemErrorWithSource } from './item-error.js';
import { describeItemSource } from './item-source.js';
import { PipelineRunner, type TransformInput, toCompose } from './pipeline-runner.js';

/** Options of {@link Dataset}. */
export interface DatasetOptions<T = DataItem> {
  /** The data items (MONAI's list of dicts: usually file paths per key). */
  data: readonly T[];
  /** The pipeline: a Compose, one transform or function, or a list of them. None: items pass unchanged. */
  transform?: TransformInput;
}

/**
 * What a DataLoader gets for one item: the item and the first pipeline step still to run on it
 * (0 for a raw item, the cache cut for a cached one).
 */
export interface LoaderFetch {
  item: unknown;
  start: number;
  /**
   * The item is held by a cache and the dataset's `copyCache` is on: copy it before a step that may
   * write into its input (copy-on-write: the package's own transforms never do).
   */
  copy?: boolean;
  /** The item is a fresh copy nobody else holds: its arrays may be moved to a worker. */
  fresh?: boolean;
  /** Receives the output of the deterministic prefix when the run computes it (lazily filled caches). */
  onPrefix?: (prepared: unknown) => void | Promise<void>;
}

/** Each dataset's pipeline runner, kept off the public class (Subset views share their parent's). */
const runners = new WeakMap<object, PipelineRunner>();

/** The pipeline runner of a dataset (for the package's datasets and loader; not public). */
export function runnerOf<T>(ds: Dataset<T>): PipelineRunner {
  return runners.get(ds) as PipelineRunner;
}

/**
 * A dataset applying its pipeline on every access (MONAI `Dataset`). Indexing with `get(i)` runs the
 * whole pipeline; `subset()` and `slice()` give views; `length` is the number of items.
 *
 * @example
 * const ds = new Dataset({ data: [{ image: 'a.nii.gz' }, { image: 'b.nii.gz' }], transform });
 * const first = await ds.get(0);
 */
export class Dataset<T = DataItem> {
  /** The items (after `setData` / skipped failures, the current ones). */
  protected items: readonly T[];
  /** The pipeline, wrapped in a Compose. */
  readonly transform: Compose;

  constructor(options: DatasetOptions<T>) {
    if (!options || !Array.isArray(options.data))
      throw new DatasetError(
        'Dataset needs options.data: an array of data items (e.g. [{ image: "ct.nii.gz" }])',
      );
    this.items = options.data;
    this.transform = toCompose(options.transform);
    runners.set(this, new PipelineRunner(this.transform));
  }

  /**
   * Closes the pipeline's transforms that hold resources (e.g. `LoadImageXNATd`'s XNAT session).
   * `DataLoader.close()` calls it; also `await using ds = ...`.
   */
  async close(): Promise<void> {
    await this.transform.close();
  }

  /** `await using` support: {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** The data items. */
  get data(): readonly T[] {
    return this.items;
  }

  /** Number of items. */
  get length(): number {
    return this.items.length;
  }

  /** MONAI's cache cut: index of the first random step or the first step that is not our transform. */
  get cacheCut(): number {
    return runnerOf(this).cut;
  }

  /** The item at `index` (negative counts from the end) after the whole pipeline. */
  async get(index: number): Promise<unknown> {
    const i = this.checkIndex(index);
    try {
      const { item, start } = await this.prepare(i);
      return await runnerOf(this).run(item, { start });
    } catch (e) {
      throw itemErrorWithSource(i, this.sourceOf(i), e);
    }
  }

  /** The raw data item (before any transform). */
  rawItem(index: number): T {
    return this.items[this.checkIndex(index)] as T;
  }

  /** Where item `index` comes from, for messages. */
  sourceOf(index: number): string {
    return describeItemSource(this.items[index]);
  }

  /** For the DataLoader: the item and the first step left to run. */
  async fetchForLoader(index: number): Promise<LoaderFetch> {
    return { item: this.items[index], start: 0 };
  }

  /** The item and the step to start from (caches return their cached prefix output). */
  protected async prepare(index: number): Promise<{ item: unknown; start: number }> {
    return { item: this.items[index], start: 0 };
  }

  /** A view of some items by index (MONAI's `Subset`), sharing this dataset's caches. */
  subset(indices: readonly number[]): Dataset<T> {
    return new Subset(
      this,
      indices.map((i) => this.checkIndex(i)),
    );
  }

  /** A view of items `[start, end)` (negative values count from the end, as Python slices). */
  slice(start = 0, end = this.length): Dataset<T> {
    const n = this.length;
    const s = Math.max(0, Math.min(n, start < 0 ? n + start : start));
    const e = Math.max(s, Math.min(n, end < 0 ? n + end : end));
    return this.subset(Array.from({ length: e - s }, (_, k) => s + k));
  }

  /** Validates an index (negative counts from the end) and returns it as a non-negative integer. */
  protected checkIndex(index: number): number {
    const n = this.length;
    if (!Number.isInteger(index) || index >= n || index < -n)
      throw new DatasetError(
        `index ${index} is out of range for a dataset of ${n} items`,
        Number.isInteger(index) ? index : undefined,
      );
    return index < 0 ? n + index : index;
  }
}

/** A view of some items of another dataset (MONAI `Subset`); indices are positions in the view. */
export class Subset<T = DataItem> extends Dataset<T> {
  readonly parent: Dataset<T>;
  readonly indices: readonly number[];

  constructor(parent: Dataset<T>, indices: readonly number[]) {
    super({ data: indices.map((i) => parent.data[i] as T), transform: parent.transform });
    this.parent = parent;
    this.indices = [...indices];
    // share the parent's runner: one lock for the parent's random transforms
    runners.set(this, runnerOf(parent));
  }

  override async get(index: number): Promise<unknown> {
    return this.parent.get(this.indices[this.checkIndex(index)] as number);
  }

  override sourceOf(index: number): string {
    return this.parent.sourceOf(this.indices[index] as number);
  }

  override fetchForLoader(index: number): Promise<LoaderFetch> {
    return this.parent.fetchForLoader(this.indices[index] as number);
  }
}
