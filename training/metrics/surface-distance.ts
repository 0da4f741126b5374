/**
 * MONAI's surface distances between two binary masks (`get_mask_edges` + `get_surface_distance`):
 * edges are mask voxels with a face neighbour outside the mask or the image (the mask minus its binary
 * erosion), both masks cropped to the bounding box of their union first.
 */
import {
  type DistanceMetric,
  chamferDistanceTransform,
  euclideanDistanceTransform,
} from './distance-transform.js';
import { stridesOf } from '../../src/image/meta-image.js';

/** Edge voxels of a binary mask (face connectivity, outside the array counts as background). */
export function maskEdges(mask: Uint8Array, shape: readonly number[]): Uint8Array {
  const rank = shape.length;
  const strides = stridesOf(shape);
  const edges = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    let rem = i;
    for (let a = 0; a < rank; a++) {
      const st = strides[a] as number;
      const c = Math.floor(rem / st);
      rem -= c * st;
      if (c === 0 || c === (shape[a] as number) - 1 || !mask[i - st] || !mask[i + st]) {
        edges[i] = 1;
        break;
      }
    }
  }
  return edges;
}

/** Crops `a` and `b` (same shape) to the bounding box of their union; null when both are empty. */
function cropToUnion(
  a: Uint8Array,
  b: Uint8Array,
  shape: readonly number[],
): { a: Uint8Array; b: Uint8Array; shape: number[] } | null {
  const rank = shape.length;
  const strides = stridesOf(shape);
  const lo = shape.map((s) => s);
  const hi = shape.map(() => -1);
  for (let i = 0; i < a.length; i++) {
    if (!a[i] && !b[i]) continue;
    let rem = i;
    for (let ax = 0; ax < rank; ax++) {
      const c = Math.floor(rem / (strides[ax] as number));
      rem -= c * (strides[ax] as number);
      if (c < (lo[ax] as number)) lo[ax] = c;
      if (c > (hi[ax] as number)) hi[ax] = c;
    }
  }
  if ((hi[0] as number) < 0) return null;
  const cshape = lo.map((l, ax) => (hi[ax] as number) - l + 1);
  const n = cshape.reduce((x, y) => x * y, 1);
  const ca = new Uint8Array(n);
  const cb = new Uint8Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let j = 0; j < n; j++) {
    let rem = j;
    let src = 0;
    for (let ax = rank - 1; ax >= 0; ax--) {
      const len = cshape[ax] as number;
      idx[ax] = rem % len;
      rem = Math.floor(rem / len);
      src += ((idx[ax] as number) + (lo[ax] as number)) * (strides[ax] as number);
    }
    ca[j] = a[src] as number;
    cb[j] = b[src] as number;
  }
  return { a: ca, b: cb, shape: cshape };
}

/** Edges of a prediction and a ground truth mask, cropped to their union (MONAI's `get_mask_edges`). */
export function maskEdgePair(
  pred: Uint8Array,
  gt: Uint8Array,
  shape: readonly number[],
): { pred: Uint8Array; gt: Uint8Array; shape: number[] } {
  const cropped = cropToUnion(pred, gt, shape);
  if (!cropped) return { pred: new Uint8Array(0), gt: new Uint8Array(0), shape: shape.map(() => 0) };
  return {
    pred: maskEdges(cropped.a, cropped.shape),
    gt: maskEdges(cropped.b, cropped.shape),
    shape: cropped.shape,
  };
}

/**
 * Distances from every `from` edge voxel to the nearest `to` edge voxel (MONAI's `get_surface_distance`):
 * all `Infinity` (one per `from` voxel) when `to` is empty; when `from` is empty but `to` is not, one
 * `Infinity` per `to` voxel, as MONAI returns. `spacing` only affects the euclidean metric.
 */
export function surfaceDistances(
  from: Uint8Array,
  to: Uint8Array,
  shape: readonly number[],
  metric: DistanceMetric,
  spacing?: readonly number[],
): Float64Array {
  const count = (m: Uint8Array) => m.reduce((s, x) => s + (x ? 1 : 0), 0);
  const nTo = count(to);
  if (nTo === 0) return new Float64Array(count(from)).fill(Infinity);
  const nFrom = count(from);
  if (nFrom === 0) return new Float64Array(nTo).fill(Infinity);
  const dist =
    metric === 'euclidean'
      ? euclideanDistanceTransform(to, shape, spacing)
      : chamferDistanceTransform(to, shape, metric);
  const out = new Float64Array(nFrom);
  let k = 0;
  for (let i = 0; i < from.length; i++) if (from[i]) out[k++] = Math.fround(dist[i] as number);
  return out;
}
