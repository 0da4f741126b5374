import { TransformError } from '../src/errors.js';
import type { MetaImage } from '../src/image/meta-image.js';
import { keyedError } from './keyed-errors.js';
import { Transform, type DataItem, requireImage } from './transform.js';

/** Options every dictionary transform takes. */
export interface MapTransformOptions {
  /** Keys of the data item to transform. */
  keys: string | readonly string[];
  /** Skip keys missing from the item instead of failing (MONAI `allow_missing_keys`). */
  allowMissingKeys?: boolean;
}

/**
 * A dictionary transform (MONAI `MapTransform`): applies to the given keys of a data item and
 * returns a shallow copy with those keys replaced.
 */
export abstract class MapTransform<
  O = DataItem,
  Opts extends MapTransformOptions = MapTransformOptions,
> extends Transform<DataItem, O, Opts> {
  readonly keys: readonly string[];
  readonly allowMissingKeys: boolean;

  constructor(options: Opts) {
    super(options);
    const keys = typeof options.keys === 'string' ? [options.keys] : [...(options.keys ?? [])];
    if (keys.length === 0)
      throw new TransformError(new.target.name, undefined, '`keys` must name at least one key');
    this.keys = keys;
    this.allowMissingKeys = options.allowMissingKeys ?? false;
  }

  /** The keys present in `d`, in order; a missing key is an error unless `allowMissingKeys`. */
  keyIterator(d: DataItem, keys: readonly string[] = this.keys): string[] {
    const out: string[] = [];
    for (const key of keys) {
      if (key in d && d[key] !== undefined) out.push(key);
      else if (!this.allowMissingKeys)
        throw new TransformError(
          this.name,
          key,
          `key '${key}' is missing from the data item (keys present: ${Object.keys(d).join(', ') || 'none'}); ` +
            'check the key names or pass allowMissingKeys: true',
        );
    }
    return out;
  }

  /** Runs `fn` for one key; its errors name this transform and the key (see `keyedError`). */
  protected async forKey<T>(key: string, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw keyedError(e, this.name, key);
    }
  }

  /**
   * The usual body of a dictionary twin: a shallow copy of `data` with each present key's MetaImage
   * replaced by `fn(image, key, indexOfKeyInKeys)`. Errors name this transform and the key.
   */
  protected mapImages(data: DataItem, fn: (img: MetaImage, key: string, i: number) => MetaImage): DataItem {
    const d = { ...data };
    for (const key of this.keyIterator(d)) {
      try {
        d[key] = fn(requireImage(d[key], this.name, key), key, this.keys.indexOf(key));
      } catch (e) {
        throw keyedError(e, this.name, key);
      }
    }
    return d;
  }
}

/**
 * Per-key option of a dictionary transform (MONAI `ensure_tuple_rep(value, len(self.keys))`): a
 * single value for all keys, or an array of one value per key (an array of one value is repeated).
 * Any other length is a {@link TransformError} at construction naming the option and the keys.
 * Every dictionary transform resolves its per-key options with this one helper.
 *
 * @example
 * perKey(['bilinear', 'nearest'], ['image', 'label'], 'Spacingd', 'mode'); // ['bilinear', 'nearest']
 * perKey('bilinear', ['image', 'label'], 'Spacingd', 'mode'); // ['bilinear', 'bilinear']
 */
export function perKey<T>(
  value: T | readonly T[],
  keys: readonly string[],
  name: string,
  option: string,
): T[] {
  if (Array.isArray(value)) {
    if (value.length === 1) return keys.map(() => value[0] as T);
    if (value.length !== keys.length)
      throw new TransformError(
        name,
        undefined,
        `${option} has ${value.length} values for ${keys.length} keys (${keys.join(', ')}): give one value for all keys, or one per key`,
      );
    return [...value] as T[];
  }
  return keys.map(() => value as T);
}
