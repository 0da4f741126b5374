import { TransformError } from '../src/errors.js';
import {
  Compose,
  type ComposeOptions,
  type ComposeRange,
  type ComposeStep,
  type Inverted,
  applyStep,
  stepName,
} from './compose.js';
import { isInvertible, markInvertible } from './invertible.js';
import { type DataItem, wrapTransformError } from './transform.js';
import { multinomial, normaliseWeights } from '../src/random/multinomial.js';
import { checkRange, traceItem, untraceItem } from './compose-variant-trace.js';

/** Options of {@link OneOf}. */
export interface OneOfOptions extends ComposeOptions {
  /** Relative probability of each transform (normalised; default equal). */
  weights?: readonly number[] | number | null;
}

/**
 * Applies exactly one of its transforms, picked at random with `weights` (MONAI `OneOf`:
 * `R.multinomial(1, weights).argmax()`). Invertible: the pick is recorded on the item's images.
 *
 * @example
 * const aug = new OneOf([new RandFlipd({ keys: 'image', prob: 1 }), new RandRotate90d({ keys: 'image', prob: 1 })], { weights: [2, 1] });
 */
export class OneOf<I = DataItem, O = I> extends Compose<I, O, OneOfOptions> {
  /** The normalised weights, one per transform. */
  readonly weights: number[];

  constructor(transforms: ComposeStep<I> | readonly ComposeStep<I>[] = [], options: OneOfOptions = {}) {
    super(transforms, options);
    markInvertible(this);
    const n = this.transforms.length;
    let w = options.weights;
    if (n === 0) w = [];
    else if (w === undefined || w === null || typeof w === 'number') w = new Array<number>(n).fill(1 / n);
    if (!Array.isArray(w) || w.length !== n)
      throw new TransformError(
        'OneOf',
        undefined,
        `got ${Array.isArray(w) ? w.length : 0} weights for ${n} transforms`,
      );
    this.weights = n === 0 ? [] : normaliseWeights(w, 'OneOf');
  }

  /** Draws the index of the transform to apply (MONAI's draw). */
  pickIndex(): number {
    const counts = multinomial(this.R, 1, this.weights);
    return counts.indexOf(Math.max(...counts));
  }

  override async apply(input: I): Promise<O>;
  override async apply(input: unknown, range: ComposeRange): Promise<unknown>;
  override async apply(input: unknown, range: ComposeRange = {}): Promise<unknown> {
    checkRange('OneOf', range);
    if (this.transforms.length === 0) return input;
    const index = this.pickIndex();
    const step = this.transforms[index] as ComposeStep<I>;
    const out = await applyStep(step, input, this.mapItems, this.unpackItems);
    return traceItem(out, 'OneOf', { index });
  }

  override async inverse(data: O): Promise<Inverted<I, O>> {
    // The picked step gives back what it was given (the Compose's input).
    return (await this.#inverse(data)) as Inverted<I, O>;
  }

  async #inverse(data: unknown): Promise<unknown> {
    if (this.transforms.length === 0) return data;
    const { data: d, info } = untraceItem(data, 'OneOf');
    const index = info?.index;
    if (typeof index !== 'number') return d;
    const t = this.transforms[index];
    if (!isInvertible(t)) return d;
    try {
      return await t.inverse(d);
    } catch (e) {
      throw wrapTransformError(e, stepName(t as ComposeStep<I>));
    }
  }

  /** Inlines nested OneOfs, multiplying their weights (MONAI `OneOf.flatten`). */
  override flatten(): OneOf<I, O> {
    const transforms: ComposeStep<I>[] = [];
    const weights: number[] = [];
    this.transforms.forEach((t, i) => {
      const w = this.weights[i] as number;
      if (t instanceof OneOf) {
        // A nested OneOf is given what this one is given.
        const f = (t as OneOf<I, O>).flatten();
        f.transforms.forEach((t2, j) => {
          transforms.push(t2);
          weights.push((f.weights[j] as number) * w);
        });
      } else {
        transforms.push(t);
        weights.push(w);
      }
    });
    return new OneOf<I, O>(transforms, { weights, mapItems: this.mapItems, unpackItems: this.unpackItems });
  }
}
