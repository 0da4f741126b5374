import { type NumericArray, allocArray, dtypeOf } from '../../src/image/dtype.js';
import { shapeSize, stridesOf } from '../../src/image/meta-image.js';
import { stridedCopy } from '../../src/image/strided.js';
import { fail } from '../keyed-errors.js';

/**
 * Crops a C-order array of `shape` to `[start[i], end[i])` on every axis (missing trailing entries
 * keep the whole axis). Bounds must lie in `0 ≤ start ≤ end ≤ shape`. Returns the input array itself
 * when the box is the whole array. Synchronous and browser-safe.
 *
 * @example
 * cropArray(new Float32Array([0, 1, 2, 3, 4, 5]), [2, 3], [0, 1], [2, 3]).data; // [1, 2, 4, 5]
 */
export function cropArray(
  data: NumericArray,
  shape: readonly number[],
  start: readonly number[],
  end: readonly number[],
): { data: NumericArray; shape: number[] } {
  if (shapeSize(shape) !== data.length)
    fail(
      'cropArray',
      `array has ${data.length} elements but shape [${shape.join(', ')}] needs ${shapeSize(shape)}`,
    );
  const box = cropBox(shape, start, end);
  if (box.whole) return { data, shape: box.shape };
  const out = allocArray(dtypeOf(data), shapeSize(box.shape));
  if (out.length > 0) stridedCopy(data, out, box.shape, stridesOf(shape), box.offset);
  return { data: out, shape: box.shape };
}

/**
 * Checks the crop box `[start[i], end[i])` of a C-order array of `shape` (missing trailing entries
 * keep the whole axis) and gives the cropped shape, the offset of its first element, and whether
 * the box is the whole array.
 */
export function cropBox(
  shape: readonly number[],
  start: readonly number[],
  end: readonly number[],
): { shape: number[]; offset: number; whole: boolean } {
  if (start.length > shape.length || end.length > shape.length)
    fail('cropArray', `crop box has more axes than the array (${shape.length})`);
  const s = shape.map((_, i) => start[i] ?? 0);
  const e = shape.map((n, i) => end[i] ?? n);
  for (let i = 0; i < shape.length; i++) {
    const a = s[i] as number;
    const b = e[i] as number;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < a || b > (shape[i] as number))
      fail('cropArray', `crop bounds [${a}, ${b}) are not inside axis ${i} of size ${shape[i]}`);
  }
  const outShape = s.map((a, i) => (e[i] as number) - a);
  const strides = stridesOf(shape);
  return {
    shape: outShape,
    offset: s.reduce((acc, a, i) => acc + a * (strides[i] as number), 0),
    whole: outShape.every((n, i) => n === shape[i]),
  };
}
