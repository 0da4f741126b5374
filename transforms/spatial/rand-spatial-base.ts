/**
 * Shared pieces of the random spatial transforms: a float32 copy for steps that did not fire (as
 * MONAI's `convert_to_tensor(..., dtype=float32)`) and per-key option lists.
 */
import { castArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { perKey } from '../map-transform.js';

/** The image as float32 (the data array is shared when it already is float32). */
export function asFloat32(img: MetaImage): MetaImage {
  return img.clone({ data: castArray(img.data, 'float32'), dtype: 'float32' });
}

/** A shallow copy of the image (data shared), for steps that leave it unchanged. */
export function unchanged(img: MetaImage): MetaImage {
  return img.clone({ data: img.data });
}

/** Per-key values of an option (one value, or one per key), MONAI's `ensure_tuple_rep`. */
export function perKeyOption<T>(
  value: T | readonly T[],
  keys: readonly string[],
  name: string,
  option: string,
): T[] {
  return perKey(value, keys, name, option);
}
