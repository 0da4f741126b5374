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
import { fail, withKey } from '../keyed-errors.js';
import { unchanged } from './rand-spatial-base.js';
import { invertRotate90, rotate90 } from './rotate90.js';
import { checkedOptions } from '../option-check.js';

/** Options of {@link RandRotate90}. */
export interface RandRotate90Options extends RandomizableOptions {
  /** Maximum number of quarter turns; k is drawn in [1, maxK] (default 3). */
  maxK?: number;
  /** The two spatial axes of the plane (default `[0, 1]`). */
  spatialAxes?: readonly [number, number] | readonly number[];
}

function checkOptions(name: string, o: RandRotate90Options): void {
  const k = o.maxK ?? 3;
  if (!Number.isInteger(k) || k < 1) fail(name, `maxK must be an integer >= 1, got ${String(o.maxK)}`);
  if ((o.spatialAxes ?? [0, 1]).length !== 2)
    fail(
      name,
      `spatialAxes must be 2 axes defining the plane of rotation, got ${JSON.stringify(o.spatialAxes)}`,
    );
}

/**
 * Random quarter turns (MONAI `RandRotate90`): `R.rand() < prob`, then (when it fires)
 * `k = R.randint(maxK) + 1`. Traced as `RandRotate90`; invertible.
 *
 * @example
 * await new RandRotate90({ prob: 0.5, maxK: 3 }).apply(img);
 */
export class RandRotate90 extends RandomizableTransform<MetaImage, MetaImage, RandRotate90Options> {
  /** The last drawn number of quarter turns. */
  k = 0;

  constructor(options: RandRotate90Options = {}) {
    checkedOptions(new.target.name, options);
    checkOptions('RandRotate90', options);
    super(options);
    markInvertible(this);
  }

  override randomize(): void {
    super.randomize();
    if (!this.doTransform) return;
    this.k = this.R.randint(this.options.maxK ?? 3) + 1;
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    this.randomize();
    const axes = this.options.spatialAxes ?? [0, 1];
    return withKey(this.name, undefined, () => {
      const out = this.doTransform ? rotate90(image, this.k, axes, 'Rotate90', this.name) : unchanged(image);
      replaceLastOperation(out, this.name, this.doTransform);
      return out;
    });
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => {
      const { img: w, inner } = unwrapLastOperation(requireImage(img, this.name), this.name);
      return inner ? invertRotate90(w, 'Rotate90') : w;
    });
  }
}

/** Options of {@link RandRotate90d}. */
export interface RandRotate90dOptions extends MapTransformOptions, RandRotate90Options {}

/**
 * Dictionary twin of {@link RandRotate90}. As MONAI's RandRotate90d, it draws `k = R.randint(maxK) + 1`
 * *before* `R.rand() < prob`, on every call. Traced as `RandRotate90d`; invertible.
 *
 * @example
 * new RandRotate90d({ keys: ['image', 'label'], prob: 0.5, maxK: 3 })
 */
export class RandRotate90d extends RandomizableMapTransform<DataItem, RandRotate90dOptions> {
  /** The last drawn number of quarter turns. */
  k = 0;

  constructor(options: RandRotate90dOptions) {
    checkedOptions(new.target.name, options);
    checkOptions('RandRotate90d', options);
    super(options);
    markInvertible(this);
  }

  override randomize(): void {
    this.k = this.R.randint(this.options.maxK ?? 3) + 1;
    super.randomize();
  }

  async apply(data: DataItem): Promise<DataItem> {
    this.randomize();
    const d = { ...data };
    const axes = this.options.spatialAxes ?? [0, 1];
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () => {
        const img = requireImage(d[key], this.name, key);
        const out = this.doTransform ? rotate90(img, this.k, axes, 'Rotate90', this.name) : unchanged(img);
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
        return inner ? invertRotate90(w, 'Rotate90', key) : w;
      });
    return d;
  }
}
