import type { MetaImage } from '../../src/image/meta-image.js';
import { markInvertible } from '../invertible.js';
import type { MapTransformOptions } from '../map-transform.js';
import { replaceLastOperation, unwrapLastOperation } from '../rand-trace.js';
import {
  RandomizableMapTransform,
  RandomizableTransform,
  type RandomizableOptions,
} from '../randomizable.js';
import { type DataItem, requireImage } from '../transform.js';
import { withKey } from '../keyed-errors.js';
import { flip, invertFlip } from './flip.js';
import { unchanged } from './rand-spatial-base.js';

/** Options of {@link RandAxisFlip}. */
export type RandAxisFlipOptions = RandomizableOptions;

/**
 * Flips along one random spatial axis with probability `prob` (MONAI `RandAxisFlip`: `R.rand() < prob`,
 * then `R.randint(spatialDims)`). Traced as `RandAxisFlip`; invertible.
 *
 * @example
 * await new RandAxisFlip({ prob: 1 }).setRandomState(0).apply(img);
 */
export class RandAxisFlip extends RandomizableTransform<MetaImage, MetaImage, RandAxisFlipOptions> {
  /** The last drawn axis (spatial index). */
  axis = 0;

  constructor(options: RandAxisFlipOptions = {}) {
    super(options);
    markInvertible(this);
  }

  /** `R.rand() < prob`, then the axis. */
  randomizeFor(img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    this.axis = this.R.randint(img.spatialDims);
  }

  /** Flips by the last draw (no new draw); traced as `traceClass`. */
  run(img: MetaImage, traceClass = this.name): MetaImage {
    const out = this.doTransform ? flip(img, this.axis, 'Flip', this.name) : unchanged(img);
    replaceLastOperation(out, traceClass, this.doTransform);
    return out;
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => {
      this.randomizeFor(image);
      return this.run(image);
    });
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => {
      const { img: w, inner } = unwrapLastOperation(requireImage(img, this.name), this.name);
      return inner ? invertFlip(w, 'Flip') : w;
    });
  }
}

/** Options of {@link RandAxisFlipd}. */
export interface RandAxisFlipdOptions extends MapTransformOptions, RandAxisFlipOptions {}

/**
 * Dictionary twin of {@link RandAxisFlip}: the wrapper draws `R.rand() < prob`, the inner flipper
 * (prob 1, same seed) draws `rand()` and the axis from the first key; every key is flipped alike.
 * Traced as `RandAxisFlipd` wrapping `RandAxisFlip` wrapping `Flip`, as MONAI; invertible.
 *
 * @example
 * new RandAxisFlipd({ keys: ['image', 'label'], prob: 0.5 })
 */
export class RandAxisFlipd extends RandomizableMapTransform<DataItem, RandAxisFlipdOptions> {
  readonly flipper: RandAxisFlip;

  constructor(options: RandAxisFlipdOptions) {
    super(options);
    markInvertible(this);
    this.flipper = new RandAxisFlip({ prob: 1 });
  }

  override setRandomState(seed?: number, state?: Parameters<RandAxisFlip['setRandomState']>[1]): this {
    super.setRandomState(seed, state);
    this.flipper.setRandomState(seed, state);
    return this;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const keys = this.keyIterator(d);
    if (keys.length === 0) return d;
    this.randomize();
    const first = keys[0] as string;
    withKey(this.name, first, () => this.flipper.randomizeFor(requireImage(d[first], this.name, first)));
    for (const key of keys)
      d[key] = withKey(this.name, key, () => {
        const img = requireImage(d[key], this.name, key);
        if (!this.doTransform) {
          const out = unchanged(img);
          replaceLastOperation(out, this.name, false);
          return out;
        }
        // MONAI: the inner RandAxisFlip wraps Flip's entry, then the wrapper wraps that one
        const out = this.flipper.run(img);
        replaceLastOperation(out, this.name, true);
        return out;
      });
    return d;
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => {
      const { img: w, inner } = unwrapLastOperation(img, this.name, key);
      if (!inner) return w;
      const { img: f } = unwrapLastOperation(w, 'RandAxisFlip', key);
      return invertFlip(f, 'Flip', key);
    });
  }
}
