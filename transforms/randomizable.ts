import { RandomState } from '../src/random/index.js';
import { MapTransform, type MapTransformOptions } from './map-transform.js';
import { Transform, type DataItem } from './transform.js';

const RANDOM_BRAND = Symbol.for('csc-mlops.Randomizable');

/** Something that owns a RandomState and can be re-seeded (MONAI `Randomizable`). */
export interface Randomizable {
  /** The transform's own random state (MONAI's `self.R`). */
  R: RandomState;
  /** Re-seeds with `RandomState(seed % 2**32)`, or shares `state` when given. Returns `this`. */
  setRandomState(seed?: number, state?: RandomState): this;
}

/** True for random transforms (MONAI `RandomizableTrait`): they end the cached prefix of a pipeline. */
export function isRandomizable(x: unknown): x is Randomizable {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[RANDOM_BRAND] === true;
}

/** Marks an object as randomizable (for classes that cannot extend the bases below). */
export function markRandomizable(obj: object): void {
  Object.defineProperty(obj, RANDOM_BRAND, { value: true, enumerable: false });
}

/** MONAI's seed normalisation: `seed % 2**32` for integers. */
export function normaliseSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const s = Math.trunc(seed) % 2 ** 32;
  return s < 0 ? s + 2 ** 32 : s;
}

function seedState(target: { R: RandomState }, seed?: number, state?: RandomState): void {
  if (state !== undefined) target.R = state;
  else target.R = seed === undefined ? new RandomState() : new RandomState(normaliseSeed(seed));
}

/** Options of transforms that fire with a probability. */
export interface RandomizableOptions {
  /** Probability of applying the transform (MONAI default 0.1). */
  prob?: number;
}

/**
 * An array-level random transform (MONAI `RandomizableTransform`): `randomize()` draws
 * `R.rand() < prob` first, then the transform's own parameters.
 */
export abstract class RandomizableTransform<
  I = unknown,
  O = I,
  Opts extends RandomizableOptions = RandomizableOptions,
>
  extends Transform<I, O, Opts>
  implements Randomizable
{
  R: RandomState = new RandomState();
  prob: number;
  /** Whether the last `randomize` decided to apply the transform. */
  doTransform = true;

  constructor(options?: Opts) {
    super(options);
    markRandomizable(this);
    this.prob = Math.min(Math.max(options?.prob ?? 0.1, 0), 1);
  }

  setRandomState(seed?: number, state?: RandomState): this {
    seedState(this, seed, state);
    return this;
  }

  /** Draws whether to apply (first draw, as MONAI); subclasses draw their parameters after calling this. */
  randomize(_data?: unknown): void {
    this.doTransform = this.R.rand() < this.prob;
  }
}

/**
 * A dictionary random transform: one draw per call for all keys (image and label move together).
 * Subclasses that wrap array transforms re-seed those with the same seed in `setRandomState`.
 */
export abstract class RandomizableMapTransform<
  O = DataItem,
  Opts extends MapTransformOptions & RandomizableOptions = MapTransformOptions & RandomizableOptions,
>
  extends MapTransform<O, Opts>
  implements Randomizable
{
  R: RandomState = new RandomState();
  prob: number;
  doTransform = true;

  constructor(options: Opts) {
    super(options);
    markRandomizable(this);
    this.prob = Math.min(Math.max(options.prob ?? 0.1, 0), 1);
  }

  setRandomState(seed?: number, state?: RandomState): this {
    seedState(this, seed, state);
    return this;
  }

  /** Draws whether to apply (`R.rand() < prob`). */
  randomize(_data?: unknown): void {
    this.doTransform = this.R.rand() < this.prob;
  }
}
