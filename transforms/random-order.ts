import type { DataItem } from './transform.js';
import {
  Compose,
  type ComposeOptions,
  type ComposeRange,
  type ComposeStep,
  type Inverted,
} from './compose.js';
import { markInvertible } from './invertible.js';
import { applyOrder, checkRange, invertOrder, traceItem } from './compose-variant-trace.js';

/**
 * Applies all its transforms in a random order (MONAI `RandomOrder`: `R.permutation(n)`).
 * Invertible: the order is recorded on the item's images and undone in reverse.
 */
export class RandomOrder<I = DataItem, O = I> extends Compose<I, O, ComposeOptions> {
  constructor(transforms: ComposeStep<I> | readonly ComposeStep<I>[] = [], options: ComposeOptions = {}) {
    super(transforms, options);
    markInvertible(this);
  }

  override async apply(input: I): Promise<O>;
  override async apply(input: unknown, range: ComposeRange): Promise<unknown>;
  override async apply(input: unknown, range: ComposeRange = {}): Promise<unknown> {
    checkRange('RandomOrder', range);
    if (this.transforms.length === 0) return input;
    const order = this.R.permutation(this.transforms.length);
    return traceItem(await applyOrder(this, order, input), 'RandomOrder', { applied_order: order });
  }

  override async inverse(data: O): Promise<Inverted<I, O>> {
    // The steps undone in reverse give back what the first was given.
    return (await invertOrder(this, 'RandomOrder', data)) as Inverted<I, O>;
  }

  override flatten(): RandomOrder<I, O> {
    return this;
  }
}
