import { type AffineMatrix, identityAffine, matmul } from '../../src/image/affine.js';
import {
  type AppliedOperation,
  type MetaImage,
  copyMeta,
  copyTrace,
  pendingRegion,
  regionImage,
  stridesOf,
} from '../../src/image/meta-image.js';
import { pushOperation } from '../invertible.js';
import { fail } from '../keyed-errors.js';
import { cropBox } from './crop-array.js';
import { padImage } from './pad-image.js';
import { type SliceLike, sliceIndices, toSlice } from './slices.js';

/**
 * `affine @ T(shift)`: the affine of an image whose voxel 0 sits at voxel `shift` of the original
 * (MONAI's `create_translate` composed on the right; only the first three spatial axes fit a 4×4).
 */
export function translateAffine(affine: AffineMatrix, shift: readonly number[]): AffineMatrix {
  const t = identityAffine();
  for (let i = 0; i < Math.min(3, shift.length); i++) t[i * 4 + 3] = shift[i] as number;
  return matmul(affine, t);
}

/**
 * Crops the spatial axes of a channel-first image with Python-style slices (one per spatial axis;
 * missing axes are kept whole, extra slices ignored as MONAI), as MONAI's `crop_func`: the affine is translated by the start voxel
 * and, when `traceClass` is given, the operation is recorded with `extra_info.cropped =
 * [start0, size0 − end0, start1, ...]`. The input is not modified.
 *
 * @example
 * const out = cropImage(img, [[2, 10], [null, null], [-4, null]], 'SpatialCrop');
 */
export function cropImage(
  img: MetaImage,
  slices: readonly SliceLike[],
  traceClass: string | null = null,
): MetaImage {
  const size = img.spatialShape;
  // as MONAI's Crop (`slices[:sd]`), slices beyond the image's spatial dimensions are ignored
  slices = slices.slice(0, size.length);
  const start: number[] = [0];
  const end: number[] = [img.numChannels];
  const cropped: number[] = [];
  const shift: number[] = [];
  for (let i = 0; i < size.length; i++) {
    const n = size[i] as number;
    const s = i < slices.length ? toSlice(slices[i] as SliceLike, traceClass ?? 'cropImage') : {};
    const [a, b] = sliceIndices(s, n);
    start.push(a);
    end.push(Math.max(a, b));
    cropped.push(a, n - b);
    const st = s.start;
    shift.push(st === null || st === undefined ? 0 : st < 0 ? n + st : st);
  }
  const out = cropLazily(img, start, end, translateAffine(img.affine, shift));
  if (traceClass !== null) pushOperation(out, traceClass, size, { cropped });
  return out;
}

/**
 * The crop `[start, end)` of `img` (channel axis included) as an image that reads its region of
 * `img`'s array on first access ({@link regionImage}); a crop of such an image reads straight from
 * the first source. The whole box keeps `img`'s array itself, as `cropArray` does.
 */
function cropLazily(
  img: MetaImage,
  start: readonly number[],
  end: readonly number[],
  affine: AffineMatrix,
): MetaImage {
  const box = cropBox(img.shape, start, end);
  if (box.whole) return img.shallowClone({ affine });
  const base = pendingRegion(img) ?? { src: img.data, strides: stridesOf(img.shape), offset: 0 };
  // the box's first element, as an index into the source (cropBox has checked `start`)
  let offset = base.offset;
  for (let i = 0; i < start.length; i++) offset += (start[i] as number) * (base.strides[i] as number);
  return regionImage(
    {
      shape: box.shape,
      dtype: img.dtype,
      affine,
      meta: copyMeta(img.meta),
      appliedOperations: copyTrace(img.appliedOperations),
    },
    { src: base.src, strides: base.strides, offset },
  );
}

/**
 * Undoes a crop recorded as `op` (MONAI `Crop.inverse`): pads the cropped amounts back with zeros
 * (no trace). The caller pops `op` from the trace first.
 */
export function invertCrop(img: MetaImage, op: AppliedOperation): MetaImage {
  const cropped = op.extra_info.cropped;
  if (!Array.isArray(cropped) || cropped.length !== 2 * img.spatialDims)
    fail(
      op.class,
      `cannot invert: the trace's 'cropped' entry ${JSON.stringify(cropped)} does not fit a ${img.spatialDims}-D image`,
    );
  const width: [number, number][] = [[0, 0]];
  for (let i = 0; i < img.spatialDims; i++)
    width.push([Math.max(0, Number(cropped[2 * i])), Math.max(0, Number(cropped[2 * i + 1]))]);
  return padImage(img, width, { mode: 'constant' });
}
