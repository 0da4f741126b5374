import type { DType, NumericArray } from '../../../src/image/dtype.js';
import { allocArray } from '../../../src/image/dtype.js';
import { MetaImage } from '../../../src/image/meta-image.js';

/** A MetaImage from plain numbers. */
export function image(
  values: readonly number[],
  shape: readonly number[],
  dtype: DType = 'float32',
): MetaImage {
  const data: NumericArray = allocArray(dtype, values.length);
  data.set(values);
  return new MetaImage({ data, shape, dtype, meta: { spatial_shape: shape.slice(1) } });
}

/** The image's values as a plain array. */
export function values(img: MetaImage): number[] {
  return Array.from(img.data as ArrayLike<number>);
}
