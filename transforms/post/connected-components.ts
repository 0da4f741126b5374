/**
 * Connected-component labelling of binary masks as `skimage.measure.label` does it (MONAI's
 * `get_largest_connected_component_mask` relies on it), for any number of dimensions.
 */
import { TransformError } from '../../src/errors.js';
import { stridesOf } from '../../src/image/meta-image.js';

/**
 * Resolves a connectivity option to skimage's "maximum number of orthogonal hops" (1..ndim).
 * `null`/`undefined` is full connectivity (ndim). Neighbour counts are accepted too: 2D 4 → 1 and
 * 8 → 2; 3D 6 → 1, 18 → 2 and 26 → 3.
 */
export function resolveConnectivity(
  connectivity: number | null | undefined,
  ndim: number,
  transform = 'label',
): number {
  if (connectivity === null || connectivity === undefined) return ndim;
  const aliases: Record<number, Record<number, number>> = { 2: { 4: 1, 8: 2 }, 3: { 6: 1, 18: 2, 26: 3 } };
  const c = aliases[ndim]?.[connectivity] ?? connectivity;
  if (!Number.isInteger(c) || c < 1 || c > ndim)
    throw new TransformError(
      transform,
      undefined,
      `connectivity must be 1..${ndim} (orthogonal hops${ndim === 2 ? '; or 4/8 neighbours' : ndim === 3 ? '; or 6/18/26 neighbours' : ''}) or null, got ${String(connectivity)}`,
    );
  return c;
}

/** Offsets (per axis) of the neighbours that come before a voxel in C order, within `connectivity` hops. */
function backwardOffsets(ndim: number, connectivity: number): number[][] {
  const out: number[][] = [];
  const total = 3 ** ndim;
  for (let k = 0; k < total; k++) {
    const d: number[] = [];
    let r = k;
    for (let a = 0; a < ndim; a++) {
      d.unshift((r % 3) - 1);
      r = Math.floor(r / 3);
    }
    const hops = d.filter((x) => x !== 0).length;
    if (hops === 0 || hops > connectivity) continue;
    const first = d.find((x) => x !== 0) as number;
    if (first < 0) out.push(d);
  }
  return out;
}

function find(parent: Int32Array, i: number): number {
  let r = i;
  while ((parent[r] as number) !== r) r = parent[r] as number;
  while ((parent[i] as number) !== r) {
    const next = parent[i] as number;
    parent[i] = r;
    i = next;
  }
  return r;
}

/**
 * Labels the connected components of a binary mask (non-zero = foreground), C order `shape`.
 * Labels are 1..count, numbered in raster order of each component's first voxel, 0 is background —
 * as `skimage.measure.label(mask, connectivity)`.
 *
 * @example
 * const { labels, count } = labelComponents(mask, [64, 64, 32], 1); // 6-connectivity
 */
export function labelComponents(
  mask: ArrayLike<number>,
  shape: readonly number[],
  connectivity: number | null = null,
): { labels: Int32Array; count: number } {
  const ndim = shape.length;
  const n = shape.reduce((a, b) => a * b, 1);
  if (mask.length !== n)
    throw new TransformError(
      'label',
      undefined,
      `mask has ${mask.length} values but shape [${shape.join(', ')}] needs ${n}`,
    );
  const conn = resolveConnectivity(connectivity, ndim);
  const strides = stridesOf(shape);
  const offsets = backwardOffsets(ndim, conn).map((d) => ({
    d,
    delta: d.reduce((s, x, a) => s + x * (strides[a] as number), 0),
  }));
  const parent = new Int32Array(n).fill(-1);
  const idx = new Array<number>(ndim).fill(0);
  for (let i = 0; i < n; i++) {
    if (mask[i] !== 0) {
      parent[i] = i;
      for (const { d, delta } of offsets) {
        let inside = true;
        for (let a = 0; a < ndim; a++) {
          const c = (idx[a] as number) + (d[a] as number);
          if (c < 0 || c >= (shape[a] as number)) {
            inside = false;
            break;
          }
        }
        if (!inside) continue;
        const j = i + delta;
        if ((parent[j] as number) < 0) continue;
        const ri = find(parent, i);
        const rj = find(parent, j);
        if (ri !== rj) {
          if (ri < rj) parent[rj] = ri;
          else parent[ri] = rj;
        }
      }
    }
    for (let a = ndim - 1; a >= 0; a--) {
      idx[a] = (idx[a] as number) + 1;
      if ((idx[a] as number) < (shape[a] as number)) break;
      idx[a] = 0;
    }
  }
  const labels = new Int32Array(n);
  const labelOfRoot = new Map<number, number>();
  let count = 0;
  for (let i = 0; i < n; i++) {
    if ((parent[i] as number) < 0) continue;
    const r = find(parent, i);
    let l = labelOfRoot.get(r);
    if (l === undefined) {
      l = ++count;
      labelOfRoot.set(r, l);
    }
    labels[i] = l;
  }
  return { labels, count };
}

/**
 * MONAI's `get_largest_connected_component_mask`: the `numComponents` largest components of a
 * binary mask (all of it when it has that many or fewer). Equal sizes: the component whose first
 * voxel comes later in raster order wins (numpy's argsort order for up to 17 components; beyond
 * that MONAI's choice depends on numpy's unstable, CPU-dependent sort).
 */
export function largestConnectedComponentMask(
  mask: ArrayLike<number>,
  shape: readonly number[],
  connectivity: number | null = null,
  numComponents = 1,
): Uint8Array {
  const { labels, count } = labelComponents(mask, shape, connectivity);
  const out = new Uint8Array(labels.length);
  if (count <= numComponents) {
    for (let i = 0; i < labels.length; i++) out[i] = mask[i] !== 0 ? 1 : 0;
    return out;
  }
  const sizes = new Float64Array(count + 1);
  for (let i = 0; i < labels.length; i++) sizes[labels[i] as number]! += 1;
  const order = Array.from({ length: count }, (_, i) => i + 1).sort(
    (a, b) => (sizes[b] as number) - (sizes[a] as number) || b - a,
  );
  const keep = new Uint8Array(count + 1);
  for (const l of order.slice(0, numComponents)) keep[l] = 1;
  for (let i = 0; i < labels.length; i++) out[i] = keep[labels[i] as number] as number;
  return out;
}
