/**
 * Shared pieces of the random spatial transforms: a float32 copy for steps that did not fire (as
 * MONAI's `convert_to_tensor(..., dtype=float32)`) and the trace wrapping.
 */
import { castArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';

/** The image as float32 (the data array is shared when it already is float32). */
export function asFloat32(img: MetaImage): MetaImage {
  return img.clone({ data: castArray(img.data, 'float32'), dtype: 'float32' });
}

/** A shallow copy of the image (data shared), for steps that leave it unchanged. */
export function unchanged(img: MetaImage): MetaImage {
  return img.clone({ data: img.data });
}

/** The (n+1)×(n+1) identity matrix as rows. */
export function identityMatrix(size: number): number[][] {
  return Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => (i === j ? 1 : 0)));
}
