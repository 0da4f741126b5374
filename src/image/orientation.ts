import { type AffineMatrix, type Orientation, identityAffine, matmul } from './affine.js';
import type { NumericArray } from './dtype.js';
import { allocArray, dtypeOf } from './dtype.js';
import { stridesOf } from './meta-image.js';
import { stridedCopy } from './strided.js';

/** True when an orientation keeps every axis in place and unflipped. */
export function isIdentityOrientation(ornt: Orientation): boolean {
  return ornt.every((o, i) => o.axis === i && o.flip === 1);
}

/**
 * nibabel `apply_orientation` on the axes `first .. first+ornt.length-1` of an array of `shape`:
 * flips the axes with `flip = -1`, then transposes so that input axis `i` becomes output axis
 * `ornt[i].axis`. Other axes stay. Returns a new array and its shape.
 */
export function applyOrientation(
  data: NumericArray,
  shape: readonly number[],
  ornt: Orientation,
  first = 0,
): { data: NumericArray; shape: number[] } {
  const inStrides = stridesOf(shape);
  const n = ornt.length;
  // output axis first+j takes input axis first+inv[j]
  const inv = new Array<number>(n);
  ornt.forEach((o, i) => (inv[o.axis] = i));
  const outShape = [...shape];
  const strides = [...inStrides];
  let offset = 0;
  for (let j = 0; j < n; j++) {
    const i = inv[j] as number;
    const size = shape[first + i] as number;
    outShape[first + j] = size;
    const st = inStrides[first + i] as number;
    if ((ornt[i] as Orientation[number]).flip === -1) {
      strides[first + j] = -st;
      offset += (size - 1) * st;
    } else strides[first + j] = st;
  }
  const out = allocArray(dtypeOf(data), data.length);
  stridedCopy(data, out, outShape, strides, offset);
  return { data: out, shape: outShape };
}

/**
 * nibabel `inv_ornt_aff`: the voxel→voxel affine that undoes `applyOrientation` for an array of
 * spatial `shape`; the new world affine is `affine @ inverseOrientationAffine(ornt, shape)`.
 * Returned as a 4×4 (for fewer than 3 axes the rest is identity).
 */
export function inverseOrientationAffine(ornt: Orientation, shape: readonly number[]): AffineMatrix {
  const p = ornt.length;
  const undoReorder = identityAffine();
  const undoFlip = identityAffine();
  // undo_reorder = eye(p+1)[axis_transpose + [p], :]
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) undoReorder[r * 4 + c] = 0;
  for (let r = 0; r < p; r++) undoReorder[r * 4 + (ornt[r] as Orientation[number]).axis] = 1;
  for (let r = p; r < 4; r++) undoReorder[r * 4 + r] = 1;
  for (let i = 0; i < p; i++) {
    const f = (ornt[i] as Orientation[number]).flip;
    const centre = -((shape[i] as number) - 1) / 2;
    undoFlip[i * 5] = f;
    undoFlip[i * 4 + 3] = f * centre - centre;
  }
  return matmul(undoFlip, undoReorder);
}
