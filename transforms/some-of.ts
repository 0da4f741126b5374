import type { DataItem } from './transform.js';
import { TransformError } from '../src/errors.js';
import {
  Compose,
  type ComposeOptions,
  type ComposeRange,
  type ComposeStep,
  type Inverted,
} from './compose.js';
import { markInvertible } from './invertible.js';
import { normaliseWeights } from '../src/random/multinomial.js';
import { applyOrder, checkRange, invertOrder, traceItem } from './compose-variant-trace.js';

/** Options of {@link SomeOf}. */
export interface SomeOfOptions extends ComposeOptions {
  /** How many transforms to apply: a number, `[min, max]` (inclusive), or null for all. */
  numTransforms?: number | readonly [number, number] | null;
  /** Sample with replacement (a transform may run more than once). Default false. */
  replace?: boolean;
  /** Relative probability of each transform (normalised); default uniform. */
  weights?: readonly number[] | null;
}

/**
 * Applies a random subset of its transforms (MONAI `SomeOf`): the count is drawn with
 * `R.randint(min, max + 1)`, the transforms with `R.choice(n, count, replace, p=weights)`, applied in
 * the drawn order. Invertible.
 */
export class SomeOf<I = DataItem, O = I> extends Compose<I, O, SomeOfOptions> {
  readonly minNumTransforms: number;
  readonly maxNumTransforms: number;
  readonly replace: boolean;
  /** Normalised weights, or null for uniform. */
  readonly weights: number[] | null;

  constructor(transforms: ComposeStep<I> | readonly ComposeStep<I>[] = [], options: SomeOfOptions = {}) {
    super(transforms, options);
    markInvertible(this);
    const n = this.transforms.length;
    const num = options.numTransforms;
    const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (num === undefined || num === null) {
      this.minNumTransforms = n;
      this.maxNumTransforms = n;
    } else if (isInt(num)) {
      this.minNumTransforms = Math.min(n, num as number);
      this.maxNumTransforms = this.minNumTransforms;
    } else if (
      Array.isArray(num) &&
      num.length === 2 &&
      num.every(isInt) &&
      (num[0] as number) <= (num[1] as number)
    ) {
      this.minNumTransforms = Math.min(n, num[0] as number);
      this.maxNumTransforms = Math.min(n, num[1] as number);
    } else
      throw new TransformError(
        'SomeOf',
        undefined,
        `numTransforms must be a non-negative integer, [min, max] with min <= max, or null; got ${JSON.stringify(num)}`,
      );
    this.replace = options.replace ?? false;
    const w = options.weights;
    if (w === undefined || w === null || n === 0) this.weights = null;
    else {
      if (!Array.isArray(w) || w.length !== n)
        throw new TransformError(
          'SomeOf',
          undefined,
          `got ${Array.isArray(w) ? w.length : 0} weights for ${n} transforms`,
        );
      this.weights = normaliseWeights(w, 'SomeOf');
    }
  }

  /** Draws the transforms to apply, in order (MONAI's draws). */
  pickOrder(): number[] {
    const size = this.R.randint(this.minNumTransforms, this.maxNumTransforms + 1);
    try {
      return this.R.choice(this.transforms.length, {
        size,
        replace: this.replace,
        ...(this.weights ? { p: this.weights } : {}),
      });
    } catch (e) {
      throw new TransformError('SomeOf', undefined, (e as Error).message, { cause: e });
    }
  }

  override async apply(input: I): Promise<O>;
  override async apply(input: unknown, range: ComposeRange): Promise<unknown>;
  override async apply(input: unknown, range: ComposeRange = {}): Promise<unknown> {
    checkRange('SomeOf', range);
    if (this.transforms.length === 0) return input;
    const order = this.pickOrder();
    return traceItem(await applyOrder(this, order, input), 'SomeOf', { applied_order: order });
  }

  override async inverse(data: O): Promise<Inverted<I, O>> {
    // The steps undone in reverse give back what the first was given.
    return (await invertOrder(this, 'SomeOf', data)) as Inverted<I, O>;
  }

  override flatten(): SomeOf<I, O> {
    return this;
  }
}
