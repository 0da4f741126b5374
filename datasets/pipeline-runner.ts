import { DatasetError } from '../src/errors.js';
import { Compose, type ComposeStep, firstRandomIndex } from '../transforms/compose.js';
import { isTransform } from '../transforms/transform.js';

/** What a dataset accepts as its pipeline: a Compose, one step, or a list of steps (functions of any item type). */
export type TransformInput = Compose | ComposeStep<never> | readonly ComposeStep<never>[];

/** Wraps a pipeline in a Compose if needed (MONAI's Dataset does the same). */
export function toCompose(transform: TransformInput | undefined | null): Compose {
  if (transform === undefined || transform === null) return new Compose([]);
  if (transform instanceof Compose || isComposeLike(transform)) return transform as Compose;
  if (Array.isArray(transform)) return new Compose(transform as ComposeStep[]);
  if (isTransform(transform) || typeof transform === 'function')
    return new Compose([transform as ComposeStep]);
  throw new DatasetError('transform must be a Compose, a transform, a function or a list of them');
}

/** A Compose from another installed copy of the package (no `instanceof`). */
function isComposeLike(t: unknown): boolean {
  return (
    isTransform(t) &&
    Array.isArray((t as { transforms?: unknown }).transforms) &&
    typeof (t as { setRandomState?: unknown }).setRandomState === 'function' &&
    typeof (t as { getIndexOfFirst?: unknown }).getIndexOfFirst === 'function'
  );
}

/** Options of one {@link PipelineRunner.run}. */
export interface RunOptions {
  /** First step to run (the cache cut when starting from a cached item). Default 0. */
  start?: number;
  /** Step after the last one to run. Default: the end. */
  end?: number;
  /** Seed for the random part (`compose.setRandomState(seed)` just before it); unset: keep the current state. */
  seed?: number;
  /** Called with the output of the deterministic prefix when this run computed it (to fill a cache). */
  onPrefix?: (prepared: unknown) => void | Promise<void>;
}

/**
 * Runs a pipeline split at MONAI's cache cut. The deterministic prefix (no random step before the
 * cut) may run for many items at once; the random part runs one item at a time, re-seeded per item,
 * because the random transforms' states are shared by every item — so results depend only on each
 * item's seed, never on how many items were in flight.
 */
export class PipelineRunner {
  readonly compose: Compose;
  /** Index of the first random step or the first step that is not one of our transforms. */
  readonly cut: number;
  private lock: Promise<void> = Promise.resolve();

  constructor(compose: Compose) {
    this.compose = compose;
    this.cut = firstRandomIndex(compose);
  }

  /** Runs steps `[start, end)` on `item`. */
  async run(item: unknown, options: RunOptions = {}): Promise<unknown> {
    const n = this.compose.length;
    const start = options.start ?? 0;
    const end = Math.min(options.end ?? n, n);
    let x = item;
    const detEnd = Math.min(this.cut, end);
    if (start < detEnd) {
      x = await this.compose.apply(x, { start, end: detEnd });
      if (options.onPrefix && detEnd === this.cut) await options.onPrefix(x);
    }
    const from = Math.max(start, detEnd);
    if (from >= end) return x;
    const input = x;
    return this.exclusive(async () => {
      if (options.seed !== undefined) this.compose.setRandomState(options.seed);
      return this.compose.apply(input, { start: from, end });
    });
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise<void>((r) => {
      release = r;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
