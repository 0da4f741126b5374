/**
 * Small bases for transforms that map one MetaImage to another synchronously (intensity and
 * post-processing): the array transform runs `transformImage`, the dictionary twin runs
 * `transformKey` for each key, and errors name the transform and the key.
 */
import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage, wrapTransformError } from '../transform.js';

/**
 * Re-addresses an error to `transform` (and `key`): a TransformError raised by a kernel on behalf of
 * the array transform is re-issued with the dictionary transform's name and the key.
 */
export function readdressError(e: unknown, transform: string, key?: string): Error {
  if (
    e instanceof TransformError &&
    e.key === undefined &&
    (e.transform !== transform || key !== undefined)
  ) {
    const prefix = `${e.transform}: `;
    const problem = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
    return new TransformError(transform, key, problem, { cause: e });
  }
  return wrapTransformError(e, transform, key);
}

/** Base of array transforms that map a MetaImage to a new MetaImage synchronously. */
export abstract class ImageTransform<Opts extends object = object> extends Transform<
  MetaImage,
  MetaImage,
  Opts
> {
  /** The synchronous work on one image. */
  abstract transformImage(img: MetaImage): MetaImage;

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    try {
      return this.transformImage(image);
    } catch (e) {
      throw readdressError(e, this.name);
    }
  }
}

/** Base of dictionary transforms that map each key's MetaImage to a new MetaImage synchronously. */
export abstract class ImageMapTransform<
  Opts extends MapTransformOptions = MapTransformOptions,
> extends MapTransform<DataItem, Opts> {
  /**
   * The work on one key's image. `index` is the key's position in `keys` (for per-key options);
   * `data` is the item being built (earlier keys already replaced).
   */
  protected abstract transformKey(img: MetaImage, key: string, index: number, data: DataItem): MetaImage;

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d)) {
      const index = this.keys.indexOf(key);
      try {
        d[key] = this.transformKey(requireImage(d[key], this.name, key), key, index, d);
      } catch (e) {
        throw readdressError(e, this.name, key);
      }
    }
    return d;
  }
}
