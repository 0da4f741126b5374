/**
 * Bases of the random intensity transforms, mirroring MONAI's structure so the draws come in the same
 * order: the array transform draws `R.rand() < prob` then its parameters in `randomize`; the
 * dictionary twin draws its own `R.rand() < prob` and, when it fires, asks the inner array transform
 * (built with `prob: 1`, seeded with the same seed) to randomize once from the first key's image and
 * applies the same parameters to every key.
 */
import type { MetaImage } from '../../src/image/meta-image.js';
import type { RandomState } from '../../src/random/index.js';
import type { MapTransformOptions } from '../map-transform.js';
import {
  RandomizableMapTransform,
  RandomizableTransform,
  type RandomizableOptions,
} from '../randomizable.js';
import { type DataItem, requireImage } from '../transform.js';
import { readdressError } from './image-transform.js';

/** A random array transform on one MetaImage: `randomize(img)` then `transformImage(img)`. */
export abstract class RandImageTransform<
  Opts extends RandomizableOptions = RandomizableOptions,
> extends RandomizableTransform<MetaImage, MetaImage, Opts> {
  /** Draws `R.rand() < prob` and, when the transform fires, its parameters (MONAI's order). */
  abstract randomizeFor(img: MetaImage): void;

  /** Applies the last drawn parameters (the transform fired). */
  abstract transformImage(img: MetaImage): MetaImage;

  /** What the transform returns when it does not fire (default: the image, data shared). */
  notFired(img: MetaImage): MetaImage {
    return img.shallowClone();
  }

  /** Applies the transform with or without drawing new parameters first. */
  run(img: MetaImage, randomize = true): MetaImage {
    if (randomize) this.randomizeFor(img);
    return this.doTransform ? this.transformImage(img) : this.notFired(img);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    try {
      return this.run(image);
    } catch (e) {
      throw readdressError(e, this.name);
    }
  }
}

/**
 * Dictionary twin of a {@link RandImageTransform}: one `R.rand() < prob` draw per call, then the inner
 * transform randomizes once (from the first key) and every key gets the same parameters.
 */
export abstract class RandImageMapTransform<
  T extends RandImageTransform<RandomizableOptions>,
  Opts extends MapTransformOptions & RandomizableOptions = MapTransformOptions & RandomizableOptions,
> extends RandomizableMapTransform<DataItem, Opts> {
  /** The array transform (prob 1) holding the drawn parameters. */
  readonly inner: T;

  constructor(options: Opts, inner: T) {
    super(options);
    this.inner = inner;
  }

  /** Seeds this transform and the inner one alike (MONAI: both get the same seed or share `state`). */
  override setRandomState(seed?: number, state?: RandomState): this {
    super.setRandomState(seed, state);
    this.inner.setRandomState(seed, state);
    return this;
  }

  /** Applies the inner transform's current parameters to one key (override for per-key options). */
  protected transformKey(img: MetaImage, _key: string, _data: DataItem): MetaImage {
    return this.inner.transformImage(img);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    this.randomize();
    if (!this.doTransform) return d;
    const keys = this.keyIterator(d);
    if (keys.length === 0) return d;
    const first = keys[0] as string;
    try {
      this.inner.randomizeFor(requireImage(d[first], this.name, first));
    } catch (e) {
      throw readdressError(e, this.name, first);
    }
    for (const key of keys) {
      try {
        d[key] = this.transformKey(requireImage(d[key], this.name, key), key, d);
      } catch (e) {
        throw readdressError(e, this.name, key);
      }
    }
    return d;
  }
}
