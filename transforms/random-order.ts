import { Compose, type ComposeOptions, type ComposeRange, type ComposeStep } from './compose.js';
import { markInvertible } from './invertible.js';
import { applyOrder, checkRange, invertOrder, traceItem } from './compose-variant-trace.js';

/**
 * Applies all its transforms in a random order (MONAI `RandomOrder`: `R.permutation(n)`).
 * Invertible: the order is recorded on the item's images and undone in reverse.
 */
export class RandomOrder extends Compose {
  constructor(transforms: ComposeStep | readonly ComposeStep[] = [], options: ComposeOptions = {}) {
    super(transforms, options);
    markInvertible(this);
  }

  override async apply(input: any, range: ComposeRange = {}): Promise<any> {
    checkRange('RandomOrder', range);
    if (this.transforms.length === 0) return input;
    const order = this.R.permutation(this.transforms.length);
    return traceItem(await applyOrder(this, order, input), 'RandomOrder', { applied_order: order });
  }

  override async inverse(data: any): Promise<any> {
    return invertOrder(this, 'RandomOrder', data);
  }

  override flatten(): RandomOrder {
    return this;
  }
}
