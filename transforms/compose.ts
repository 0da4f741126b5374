import { TransformError } from '../src/errors.js';
import { RandomState } from '../src/random/index.js';
import { getSeed } from './determinism.js';
import { isInvertible } from './invertible.js';
import { type Randomizable, isRandomizable, markRandomizable, normaliseSeed } from './randomizable.js';
import {
  type DataItem,
  Transform,
  type TransformFunction,
  isTransform,
  wrapTransformError,
} from './transform.js';

/**
 * A step of a Compose: one of our transforms, or a plain (possibly async) function of what the Compose
 * is given (`I`, a data item by default). `ComposeStep<never>` is any step at all.
 */
export type ComposeStep<I = DataItem> = Transform | TransformFunction<I>;

/** Options of {@link Compose}. */
export interface ComposeOptions {
  /** Map each following step over the items of a list (multi-sample transforms). Default true. */
  mapItems?: boolean;
  /** Spread a list input as arguments (`t(...data)`). Default false. */
  unpackItems?: boolean;
}

/** What {@link Compose.inverse} gives back for a Compose from `I` to `O`: `I`, or one `I` per item of a list. */
export type Inverted<I, O> = O extends readonly unknown[] ? (I extends readonly unknown[] ? I : I[]) : I;

/** Range of steps to run: `[start, end)`, as MONAI's `Compose.__call__(start, end)`. */
export interface ComposeRange {
  start?: number;
  end?: number;
}

/** Applies one step to one input, mapping over lists as MONAI's `apply_transform`. */
export async function applyStep(
  step: ComposeStep<never>,
  input: unknown,
  mapItems = true,
  unpackItems = false,
): Promise<unknown> {
  const name = stepName(step);
  const one = async (x: unknown): Promise<unknown> => {
    try {
      if (isTransform(step)) return await step.apply(x);
      // A function step is given what the previous step returned: its declared input is the user's word.
      if (unpackItems && Array.isArray(x)) return await (step as (...a: unknown[]) => unknown)(...x);
      return await (step as TransformFunction<unknown>)(x);
    } catch (e) {
      throw wrapTransformError(e, name);
    }
  };
  if (mapItems && Array.isArray(input)) return Promise.all(input.map(one));
  return one(input);
}

/** Class name of a transform, or the function's name. */
export function stepName(step: ComposeStep<never>): string {
  return isTransform(step) ? step.name : step.name || 'anonymous function';
}

/**
 * Chains transforms (MONAI `Compose`). Lists returned by multi-sample transforms are mapped over by
 * the following steps. Seeding with `setRandomState(seed)` gives each random child a seed drawn
 * with `randint(2**32, uint32)`, in order, exactly as MONAI 1.4 does.
 *
 * `I` is what the Compose is given and `O` what it returns: a data item by default (a function step with
 * an annotated parameter sets `I`). A pipeline whose multi-sample crop returns a list says so:
 * `new Compose<DataItem, DataItem[]>([...])`.
 *
 * @example
 * const t = new Compose([new LoadImaged({ keys: 'image' }), new EnsureChannelFirstd({ keys: 'image' })]);
 * const item = await t.apply({ image: 'brain.nii.gz' });
 */
export class Compose<I = DataItem, O = I, Opts extends ComposeOptions = ComposeOptions>
  extends Transform<I, O, Opts>
  implements Randomizable
{
  R: RandomState;
  transforms: ComposeStep<I>[];
  readonly mapItems: boolean;
  readonly unpackItems: boolean;

  constructor(transforms: ComposeStep<I> | readonly ComposeStep<I>[] = [], options?: Opts) {
    super(options);
    markRandomizable(this);
    this.transforms = Array.isArray(transforms) ? [...transforms] : [transforms as ComposeStep<I>];
    for (const [i, t] of this.transforms.entries())
      if (!isTransform(t) && typeof t !== 'function')
        throw new TransformError('Compose', undefined, `step ${i} is neither a transform nor a function`);
    this.mapItems = options?.mapItems ?? true;
    this.unpackItems = options?.unpackItems ?? false;
    this.R = new RandomState();
    // MONAI's Compose.__init__: set_random_state(seed=get_seed()) (the seed of setDeterminism).
    const seed = getSeed();
    if (seed !== undefined) this.setRandomState(seed);
  }

  /** Seeds this Compose and each random child (one uint32 draw per child, in order). */
  setRandomState(seed?: number, state?: RandomState): this {
    this.R = state ?? (seed === undefined ? new RandomState() : new RandomState(normaliseSeed(seed)));
    for (const t of this.transforms) {
      if (!isRandomizable(t)) continue;
      t.setRandomState(this.R.randint(2 ** 32, undefined, { dtype: 'uint32' }));
    }
    return this;
  }

  /** Runs every step on `input`. */
  async apply(input: I): Promise<O>;
  /** Runs the steps `[start, end)` on `input` (a partial run: what comes in and out is the steps' business). */
  async apply(input: unknown, range: ComposeRange): Promise<unknown>;
  async apply(input: unknown, range: ComposeRange = {}): Promise<unknown> {
    const start = range.start ?? 0;
    const end = range.end ?? this.transforms.length;
    let data: unknown = input;
    for (let i = start; i < end; i++) {
      const step = this.transforms[i] as ComposeStep<I>;
      data = await applyStep(step, data, this.mapItems, this.unpackItems);
    }
    return data;
  }

  /** Index of the first top-level step for which `pred` holds, or -1 (MONAI `get_index_of_first`). */
  getIndexOfFirst(pred: (step: ComposeStep<I>) => boolean): number {
    return this.transforms.findIndex(pred);
  }

  /** A Compose with nested Composes inlined (MONAI `flatten`). */
  flatten(): Compose<I, O> {
    const flat: ComposeStep<I>[] = [];
    for (const t of this.transforms) {
      // A nested plain Compose is given what this one's steps pass on: its steps join this list.
      if (t instanceof Compose && t.constructor === Compose)
        flat.push(...(t as Compose<I>).flatten().transforms);
      else flat.push(t);
    }
    return new Compose<I, O>(flat, { mapItems: this.mapItems, unpackItems: this.unpackItems });
  }

  /** Undoes the invertible steps in reverse order (MONAI `Compose.inverse`). */
  async inverse(data: O): Promise<Inverted<I, O>> {
    let d: unknown = data;
    for (const t of [...this.transforms].reverse()) {
      if (!isInvertible(t)) continue;
      const inv = t;
      try {
        d =
          this.mapItems && Array.isArray(d)
            ? await Promise.all(d.map((x) => inv.inverse(x)))
            : await inv.inverse(d);
      } catch (e) {
        throw wrapTransformError(e, stepName(t as ComposeStep<I>));
      }
    }
    // Each invertible step gives back what it was given (item by item for a list).
    return d as Inverted<I, O>;
  }

  /**
   * Closes every step that holds a resource (has `close()`, e.g. `LoadImageXNATd` and its XNAT
   * session), nested Composes included; all are closed even if one fails (the first error is thrown).
   */
  async close(): Promise<void> {
    const errors: unknown[] = [];
    for (const t of this.transforms) {
      const close = (t as { close?: unknown }).close;
      if (typeof close === 'function')
        await (close as () => Promise<void>).call(t).catch((e: unknown) => errors.push(e));
    }
    if (errors.length) throw errors[0];
  }

  /** `await using` support: {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Number of top-level steps. */
  get length(): number {
    return this.transforms.length;
  }

  override describe(): unknown {
    return {
      class: this.name,
      options: { mapItems: this.mapItems, unpackItems: this.unpackItems },
      transforms: this.transforms.map((t) => (isTransform(t) ? t.describe() : `fn:${t.toString()}`)),
    };
  }
}

/** MONAI's cache cut: index of the first random step or the first step that is not our transform. */
export function firstRandomIndex<I, O>(compose: Compose<I, O>): number {
  const i = compose.getIndexOfFirst((t) => isRandomizable(t) || !isTransform(t));
  return i < 0 ? compose.length : i;
}
