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
import { type SpatialAxes, flip, invertFlip } from './flip.js';
import { unchanged } from './rand-spatial-base.js';

/** Options of {@link RandFlip}. */
export interface RandFlipOptions extends RandomizableOptions {
  /** Spatial axes to flip (default null: all). */
  spatialAxis?: SpatialAxes;
}

/**
 * Flips with probability `prob` (MONAI `RandFlip`: one `R.rand() < prob` draw). Traced as
 * `{class: 'RandFlip', extra_info: <Flip entry>}`; invertible.
 *
 * @example
 * await new RandFlip({ prob: 0.5, spatialAxis: 0 }).setRandomState(0).apply(img);
 */
export class RandFlip extends RandomizableTransform<MetaImage, MetaImage, RandFlipOptions> {
  constructor(options: RandFlipOptions = {}) {
    super(options);
    markInvertible(this);
  }

  /** Flips (or not, by the last draw) without drawing. */
  run(img: MetaImage): MetaImage {
    const axis = this.options.spatialAxis ?? null;
    const out = this.doTransform ? flip(img, axis, 'Flip', this.name) : unchanged(img);
    replaceLastOperation(out, this.name, this.doTransform);
    return out;
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    this.randomize();
    return withKey(this.name, undefined, () => this.run(image));
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => {
      const { img: w, inner } = unwrapLastOperation(requireImage(img, this.name), this.name);
      return inner ? invertFlip(w, 'Flip') : w;
    });
  }
}

/** Options of {@link RandFlipd}. */
export interface RandFlipdOptions extends MapTransformOptions, RandFlipOptions {}

/**
 * Dictionary twin of {@link RandFlip}: one draw per call, every key flipped alike (image and label
 * stay aligned). Traced as `RandFlipd`; invertible.
 *
 * @example
 * new RandFlipd({ keys: ['image', 'label'], prob: 0.5, spatialAxis: [0] })
 */
export class RandFlipd extends RandomizableMapTransform<DataItem, RandFlipdOptions> {
  constructor(options: RandFlipdOptions) {
    super(options);
    markInvertible(this);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    this.randomize();
    const axis = this.options.spatialAxis ?? null;
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () => {
        const img = requireImage(d[key], this.name, key);
        const out = this.doTransform ? flip(img, axis, 'Flip', this.name) : unchanged(img);
        replaceLastOperation(out, this.name, this.doTransform);
        return out;
      });
    return d;
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () => {
        const { img: w, inner } = unwrapLastOperation(requireImage(d[key], this.name, key), this.name, key);
        return inner ? invertFlip(w, 'Flip', key) : w;
      });
    return d;
  }
}
