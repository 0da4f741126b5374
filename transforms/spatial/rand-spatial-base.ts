/**
 * Shared pieces of the random spatial transforms: a float32 copy for steps that did not fire (as
 * MONAI's `convert_to_tensor(..., dtype=float32)`) and a shallow copy for steps that leave the image unchanged.
 */
import { castArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';

/** The image as float32 (the data array is shared when it already is float32). */
export function asFloat32(img: MetaImage): MetaImage {
  return img.clone({ data: castArray(img.data, 'float32'), dtype: 'float32' });
}

/** A shallow copy of the image (data shared), for steps that leave it unchanged. */
export function unchanged(img: MetaImage): MetaImage {
  return img.shallowClone();
}
