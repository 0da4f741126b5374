import { CscMlopsError } from '../errors.js';
import { allocArray } from './dtype.js';
import { MetaImage, shapeSize } from './meta-image.js';

/**
 * Stacks images read from several files as MONAI's `_stack_images`: along their channel axis
 * when they have one (`original_channel_dim`), else along a new first axis (which becomes
 * `original_channel_dim` 0). Shapes, dtypes and affines must agree. Meta comes from the first image.
 */
export function stackImages(images: readonly MetaImage[]): MetaImage {
  const first = images[0];
  if (!first) throw new CscMlopsError('stackImages needs at least one image');
  if (images.length === 1) return first;
  for (const im of images.slice(1)) {
    if (im.shape.join() !== first.shape.join())
      throw new CscMlopsError(
        `cannot stack images of shapes [${first.shape.join(', ')}] (${String(first.meta.filename_or_obj)}) and [${im.shape.join(', ')}] (${String(im.meta.filename_or_obj)})`,
      );
    if (im.affine.some((v, i) => Math.abs(v - (first.affine[i] as number)) > 1e-4 * Math.max(1, Math.abs(v))))
      throw new CscMlopsError(
        `cannot stack images with different affines: ${String(first.meta.filename_or_obj)} and ${String(im.meta.filename_or_obj)}`,
      );
    if (im.dtype !== first.dtype)
      throw new CscMlopsError(`cannot stack images of dtypes ${first.dtype} and ${im.dtype}`);
  }
  const cd = first.meta.original_channel_dim;
  const meta = { ...first.meta };
  if (cd === undefined || cd === 'no_channel') {
    const n = first.size;
    const out = allocArray(first.dtype, n * images.length);
    images.forEach((im, i) => out.set(im.data, i * n));
    meta.original_channel_dim = 0;
    return new MetaImage({
      data: out,
      shape: [images.length, ...first.shape],
      dtype: first.dtype,
      affine: first.affine.slice(),
      meta,
    });
  }
  // concatenate along the existing channel axis
  const axis = cd < 0 ? first.shape.length + cd : cd;
  const outer = shapeSize(first.shape.slice(0, axis));
  const chunk = shapeSize(first.shape.slice(axis));
  const shape = [...first.shape];
  shape[axis] = (shape[axis] as number) * images.length;
  const out = allocArray(first.dtype, first.size * images.length);
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const im of images) {
      out.set(im.data.subarray(o * chunk, (o + 1) * chunk), k);
      k += chunk;
    }
  return new MetaImage({ data: out, shape, dtype: first.dtype, affine: first.affine.slice(), meta });
}
