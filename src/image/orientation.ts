/**
 * Array orientations as nibabel has them (`ornt` arrays, axis codes such as `'RAS'`): read from an
 * affine, converted between, applied to an array, and undone on the affine.
 */
import {
  type AffineMatrix,
  type Matrix,
  at,
  identityAffine,
  invMatrix,
  matmul,
  voxelSizes,
} from './affine.js';
import type { NumericArray } from './dtype.js';
import { allocArray, dtypeOf } from './dtype.js';
import { stridesOf } from './meta-image.js';
import { stridedCopy } from './strided.js';

/**
 * The orthogonal factor of the top-left `n×n` block after dividing out voxel sizes (the polar
 * decomposition `U Vᵀ` that nibabel's `io_orientation` takes from the SVD).
 */
function orthogonalFactor(a: AffineMatrix, n: number): number[][] {
  const zooms = voxelSizes(a, n).map((z) => (z === 0 ? 1 : z));
  let r = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => at(a, i, j) / zooms[j]!));
  for (let iter = 0; iter < 100; iter++) {
    const inv = invertSmall(r);
    if (!inv) break;
    const next = r.map((row, i) => row.map((v, j) => (v + inv[j]![i]!) / 2));
    let diff = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) diff = Math.max(diff, Math.abs(next[i]![j]! - r[i]![j]!));
    r = next;
    if (diff < 1e-14) break;
  }
  return r;
}

function invertSmall(m: Matrix): Matrix | null {
  try {
    return invMatrix(m);
  } catch {
    return null;
  }
}

/**
 * An orientation: for each array axis, the world axis it runs along (0=x, 1=y, 2=z) and its sign
 * (+1 toward R/A/S, −1 toward L/P/I). nibabel's `ornt` array.
 */
export type Orientation = { axis: number; flip: 1 | -1 }[];

/** nibabel's `io_orientation`: which world axis each of the first `n` array axes is closest to. */
export function ioOrientation(a: AffineMatrix, n = 3): Orientation {
  const r = orthogonalFactor(a, n);
  const out: Orientation = [];
  for (let j = 0; j < n; j++) {
    let best = -1;
    for (let i = 0; i < n; i++) if (best < 0 || Math.abs(r[i]![j]!) > Math.abs(r[best]![j]!)) best = i;
    const v = r[best]![j]!;
    if (Math.abs(v) < 1e-8) {
      out.push({ axis: j, flip: 1 });
      continue;
    }
    out.push({ axis: best, flip: v < 0 ? -1 : 1 });
    for (let c = 0; c < n; c++) r[best]![c] = 0;
  }
  return out;
}

const LABELS: readonly [string, string][] = [
  ['L', 'R'],
  ['P', 'A'],
  ['I', 'S'],
];

/** Axis codes such as `'RAS'` from an affine (nibabel `aff2axcodes`). */
export function axcodesFromAffine(a: AffineMatrix, n = 3): string {
  return ioOrientation(a, n)
    .map((o) => (LABELS[o.axis] as [string, string])[o.flip > 0 ? 1 : 0])
    .join('');
}

/** Orientation from axis codes such as `'RAS'` or `'LPS'` (nibabel `axcodes2ornt`). */
export function orientationFromAxcodes(codes: string): Orientation {
  return [...codes.toUpperCase()].map((ch) => {
    const axis = LABELS.findIndex((pair) => pair.includes(ch));
    if (axis < 0)
      throw new RangeError(`invalid axis code '${ch}' in '${codes}' (use letters from L/R, P/A, I/S)`);
    return { axis, flip: (LABELS[axis] as [string, string])[1] === ch ? 1 : -1 };
  });
}

/**
 * The transform from orientation `start` to `end` (nibabel `ornt_transform`): for each axis of the
 * start array, which axis of the result it becomes and whether it is flipped.
 */
export function orientationTransform(start: Orientation, end: Orientation): Orientation {
  if (start.length !== end.length) throw new RangeError('orientations must have the same number of axes');
  return start.map((s) => {
    const j = end.findIndex((e) => e.axis === s.axis);
    if (j < 0) throw new RangeError('start and end orientations do not cover the same world axes');
    return { axis: j, flip: s.flip === end[j]!.flip ? 1 : -1 };
  });
}

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
