import { DatasetError } from '../src/errors.js';
import { allocArray } from '../src/image/dtype.js';
import { type AppliedOperation, MetaImage, stridesOf } from '../src/image/meta-image.js';
import { stridedCopy } from '../src/image/strided.js';
import { type Batch, type CollateOptions, flattenItems, listDataCollate } from './collate.js';
import { isPlainObject } from './item-values.js';

/** How padding is split: half before / half after (MONAI `"symmetric"`), or all after (`"end"`). */
export type PadMethod = 'symmetric' | 'end';

/** Values in the padded border: a constant, the edge value, or a mirror / wrap of the image (numpy's names; torch's aliases accepted). */
export type PadMode = 'constant' | 'edge' | 'replicate' | 'reflect' | 'symmetric' | 'wrap' | 'circular';

/** Options of {@link padListDataCollate}. */
export interface PadCollateOptions extends CollateOptions {
  /** Default `'symmetric'` (MONAI). */
  method?: PadMethod;
  /** Default `'constant'` (MONAI). */
  mode?: PadMode;
  /** Fill value of `'constant'` mode (default 0). */
  value?: number;
}

/** Class name recorded in `applied_operations`, as MONAI's. */
export const PAD_COLLATE_CLASS = 'PadListDataCollate';

function sourceIndex(i: number, n: number, mode: PadMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
    case 'replicate':
      return i < 0 ? 0 : n - 1;
    case 'reflect': {
      if (n === 1) return 0;
      const p = 2 * (n - 1);
      const m = ((i % p) + p) % p;
      return m < n ? m : p - m;
    }
    case 'symmetric': {
      const p = 2 * n;
      const m = ((i % p) + p) % p;
      return m < n ? m : p - 1 - m;
    }
    case 'wrap':
    case 'circular':
      return ((i % n) + n) % n;
    default:
      throw new DatasetError(`unknown pad mode '${String(mode)}' (constant, edge, reflect, symmetric, wrap)`);
  }
}

/**
 * Pads a channel-first image by `before[d]` / `after[d]` voxels on each spatial axis, shifting the
 * affine so world positions are kept (as MONAI's SpatialPad).
 */
export function padImage(
  img: MetaImage,
  before: readonly number[],
  after: readonly number[],
  mode: PadMode = 'constant',
  value = 0,
): MetaImage {
  const nd = img.shape.length;
  const outShape = img.shape.map((s, d) => (d === 0 ? s : s + (before[d - 1] ?? 0) + (after[d - 1] ?? 0)));
  const maps = outShape.map((n, d) => {
    const m = new Int32Array(n);
    const b = d === 0 ? 0 : (before[d - 1] ?? 0);
    for (let o = 0; o < n; o++) m[o] = d === 0 ? o : sourceIndex(o - b, img.shape[d] as number, mode);
    return m;
  });
  const out = allocArray(
    img.dtype,
    outShape.reduce((a, b) => a * b, 1),
  );
  const ss = stridesOf(img.shape);
  const ds = stridesOf(outShape);
  const src = img.data;
  const rec = (axis: number, so: number, doff: number): void => {
    const map = maps[axis] as Int32Array;
    const n = outShape[axis] as number;
    if (axis === nd - 1) {
      for (let o = 0; o < n; o++) {
        const s = map[o] as number;
        out[doff + o] = s < 0 ? value : (src[so + s] as number);
      }
      return;
    }
    const sst = ss[axis] as number;
    const dst = ds[axis] as number;
    for (let o = 0; o < n; o++) {
      const s = map[o] as number;
      if (s < 0) out.fill(value, doff + o * dst, doff + (o + 1) * dst);
      else rec(axis + 1, so + s * sst, doff + o * dst);
    }
  };
  if (out.length) rec(0, 0, 0);
  return img.clone({
    data: out,
    shape: outShape,
    dtype: img.dtype,
    affine: translate(
      img.affine,
      before.map((b) => -b),
    ),
  });
}

/** The affine of the image whose voxel 0 is voxel `shift` of this one. */
function translate(affine: Float64Array, shift: readonly number[]): Float64Array {
  const a = affine.slice();
  for (let r = 0; r < 3; r++) {
    let t = a[r * 4 + 3] as number;
    shift.forEach((s, c) => {
      if (c < 3) t += (a[r * 4 + c] as number) * s;
    });
    a[r * 4 + 3] = t;
  }
  return a;
}

/**
 * MONAI's `pad_list_data_collate`: images of a key whose spatial shapes differ are padded to the
 * per-axis maximum (recording a `PadListDataCollate` operation on each, undone by
 * {@link PadListDataCollate.inverse}), then collated with {@link listDataCollate}.
 *
 * @example
 * const loader = new DataLoader(ds, { batchSize: 4, collate: padListDataCollate });
 */
export function padListDataCollate(items: unknown[], options: PadCollateOptions = {}): Batch {
  const method = options.method ?? 'symmetric';
  const mode = options.mode ?? 'constant';
  if (method !== 'symmetric' && method !== 'end')
    throw new DatasetError(`pad method must be 'symmetric' or 'end', got '${String(method)}'`);
  const flat = flattenItems(items);
  const first = flat[0];
  if (!isPlainObject(first)) return listDataCollate(flat, options);
  const out = flat.map((d) => (isPlainObject(d) ? { ...d } : d)) as Record<string, unknown>[];
  for (const key of Object.keys(first)) {
    const values = out.map((d) => (isPlainObject(d) ? d[key] : undefined));
    if (!values.every((v) => MetaImage.isMetaImage(v))) continue;
    const imgs = values as MetaImage[];
    const nd = imgs[0]!.shape.length;
    if (imgs.some((m) => m.shape.length !== nd)) continue; // listDataCollate reports it
    const max = imgs[0]!.spatialShape.map((_, d) =>
      Math.max(...imgs.map((m) => m.spatialShape[d] as number)),
    );
    if (imgs.every((m) => m.spatialShape.every((s, d) => s === max[d]))) continue;
    imgs.forEach((img, b) => {
      const orig = img.spatialShape;
      const diff = max.map((m, d) => m - (orig[d] as number));
      const before = diff.map((x) => (method === 'symmetric' ? Math.floor(x / 2) : 0));
      const after = diff.map((x, d) => x - (before[d] as number));
      const padded = padImage(img, before, after, mode, options.value ?? 0);
      const op: AppliedOperation = {
        class: PAD_COLLATE_CLASS,
        tracing: true,
        do_transforms: true,
        orig_size: orig,
        lazy: false,
        extra_info: {
          class: 'SpatialPad',
          orig_size: orig,
          tracing: true,
          do_transforms: true,
          lazy: false,
          extra_info: { padded: [[0, 0], ...before.map((x, d) => [x, after[d]])], mode },
        },
      };
      padded.appliedOperations = [...img.appliedOperations, op];
      (out[b] as Record<string, unknown>)[key] = padded;
    });
  }
  return listDataCollate(out, options);
}

/** MONAI's `PadListDataCollate`: the collate as an object, and the static inverse. */
export class PadListDataCollate {
  readonly options: PadCollateOptions;
  constructor(options: PadCollateOptions = {}) {
    this.options = options;
  }

  /** Pads and collates (use `collate: (items, o) => pad.apply(items, o)` or {@link padListDataCollate}). */
  apply(items: unknown[], options: CollateOptions = {}): Batch {
    return padListDataCollate(items, { ...this.options, ...options });
  }

  /**
   * Undoes the padding on a decollated item: each MetaImage whose last applied operation is a
   * `PadListDataCollate` is cropped back to its original size (and its affine restored).
   */
  static inverse(item: Record<string, unknown>): Record<string, unknown> {
    if (!isPlainObject(item))
      throw new DatasetError('PadListDataCollate.inverse expects a data item (a dictionary)');
    const d = { ...item };
    for (const [key, v] of Object.entries(d)) {
      if (!MetaImage.isMetaImage(v)) continue;
      const last = v.appliedOperations[v.appliedOperations.length - 1];
      if (!last || last.class !== PAD_COLLATE_CLASS) continue;
      const orig = last.orig_size;
      const inner = (last.extra_info?.extra_info ?? {}) as { padded?: number[][] };
      const cur = v.spatialShape;
      const start = inner.padded
        ? inner.padded.slice(1).map((p) => p[0] as number)
        : cur.map((s, i) => Math.floor((s - (orig[i] as number)) / 2)); // MONAI falls back to a centre crop
      if (orig.length !== cur.length || orig.some((o, i) => o + (start[i] as number) > (cur[i] as number)))
        throw new DatasetError(
          `cannot undo the padding of '${key}': its shape [${cur.join(', ')}] does not contain the original [${orig.join(', ')}]`,
        );
      const shape = [v.shape[0] as number, ...orig];
      const st = stridesOf(v.shape);
      let offset = 0;
      start.forEach((s, i) => (offset += s * (st[i + 1] as number)));
      const out = allocArray(
        v.dtype,
        shape.reduce((a, b) => a * b, 1),
      );
      stridedCopy(v.data, out, shape, st, offset);
      d[key] = v.clone({
        data: out,
        shape,
        dtype: v.dtype,
        affine: translate(v.affine, start),
        appliedOperations: v.appliedOperations.slice(0, -1).map((op) => structuredClone(op)),
      });
    }
    return d;
  }
}
