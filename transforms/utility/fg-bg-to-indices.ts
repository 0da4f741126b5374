import type { NumericArray } from '../../src/image/dtype.js';
import { type MetaImage, shapeSize, stridesOf } from '../../src/image/meta-image.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';

/** A channel-first array with its shape (a MetaImage fits). */
export interface ShapedData {
  data: NumericArray;
  shape: readonly number[];
}

/**
 * MONAI's `map_binary_to_indices`: flat (C-order, spatial) indices of foreground voxels (any label
 * channel non-zero; with several channels the first, background, channel is ignored) and of
 * background voxels (label zero and, when `image` is given, any image channel > `imageThreshold`).
 */
export function mapBinaryToIndices(
  label: ShapedData,
  image?: ShapedData | null,
  imageThreshold = 0,
  where = 'FgBgToIndices',
): { fg: Int32Array; bg: Int32Array } {
  const nc = label.shape[0] ?? 1;
  const spatial = shapeSize(label.shape.slice(1));
  const fgMask = new Uint8Array(spatial);
  for (let c = nc > 1 ? 1 : 0; c < nc; c++) {
    const base = c * spatial;
    for (let v = 0; v < spatial; v++) if ((label.data[base + v] as number) !== 0) fgMask[v] = 1;
  }
  let valid: Uint8Array | null = null;
  if (image !== undefined && image !== null) {
    const ispatial = shapeSize(image.shape.slice(1));
    if (image.shape.slice(1).join() !== label.shape.slice(1).join())
      fail(
        where,
        `image spatial shape [${image.shape.slice(1).join(', ')}] differs from the label's [${label.shape.slice(1).join(', ')}]`,
      );
    valid = new Uint8Array(ispatial);
    const ic = image.shape[0] ?? 1;
    for (let c = 0; c < ic; c++) {
      const base = c * ispatial;
      for (let v = 0; v < ispatial; v++) if ((image.data[base + v] as number) > imageThreshold) valid[v] = 1;
    }
  }
  let nfg = 0;
  for (let v = 0; v < spatial; v++) nfg += fgMask[v] as number;
  let nbg = 0;
  for (let v = 0; v < spatial; v++) if (!fgMask[v] && (valid === null || valid[v])) nbg++;
  const fg = new Int32Array(nfg);
  const bg = new Int32Array(nbg);
  let i = 0;
  let j = 0;
  for (let v = 0; v < spatial; v++) {
    if (fgMask[v]) fg[i++] = v;
    else if (valid === null || valid[v]) bg[j++] = v;
  }
  return { fg, bg };
}

/** Flat C-order indices to coordinates in `shape` (numpy `unravel_index`, one row per index). */
export function unravelIndices(indices: ArrayLike<number>, shape: readonly number[]): number[][] {
  const st = stridesOf(shape);
  return Array.from(indices, (flat) => st.map((s, ax) => Math.floor(flat / s) % (shape[ax] as number)));
}

/** Options of {@link FgBgToIndices}. */
export interface FgBgToIndicesOptions {
  /** Background voxels must have image > this (when an image is given; default 0). */
  imageThreshold?: number;
  /** Return coordinates in this shape instead of flat indices. */
  outputShape?: readonly number[] | null;
}

/** Indices as returned by {@link FgBgToIndices}: flat indices, or coordinates with `outputShape`. */
export type Indices = Int32Array | number[][];

/**
 * Computes the foreground and background voxel indices of a label (MONAI `FgBgToIndices`), e.g. to
 * cache them before `RandCropByPosNegLabeld`. Flat indices are an Int32Array (MONAI: int64 tensor).
 *
 * @example
 * const [fg, bg] = await new FgBgToIndices().apply(label, image);
 */
export class FgBgToIndices extends Transform<MetaImage, [Indices, Indices], FgBgToIndicesOptions> {
  constructor(options: FgBgToIndicesOptions = {}) {
    super(options);
  }

  async apply(label: MetaImage, image?: MetaImage | null): Promise<[Indices, Indices]> {
    return withKey(this.name, undefined, () =>
      fgBgToIndices(requireImage(label, this.name), image ?? null, this.options, this.name),
    );
  }
}

/** {@link mapBinaryToIndices} with the options of {@link FgBgToIndices}. */
export function fgBgToIndices(
  label: MetaImage,
  image: MetaImage | null,
  options: FgBgToIndicesOptions = {},
  where = 'FgBgToIndices',
): [Indices, Indices] {
  const t = options.imageThreshold ?? 0;
  if (typeof t !== 'number' || Number.isNaN(t))
    fail(where, `imageThreshold must be a number, got ${String(t)}`);
  const { fg, bg } = mapBinaryToIndices(label, image, t, where);
  const os = options.outputShape;
  if (os === undefined || os === null) return [fg, bg];
  return [unravelIndices(fg, os), unravelIndices(bg, os)];
}

/** Options of {@link FgBgToIndicesd}. */
export interface FgBgToIndicesdOptions extends MapTransformOptions, FgBgToIndicesOptions {
  /** Suffix of the foreground indices key (default `'_fg_indices'`). */
  fgPostfix?: string;
  /** Suffix of the background indices key (default `'_bg_indices'`). */
  bgPostfix?: string;
  /** Key of the image that restricts the background (`image > imageThreshold`). */
  imageKey?: string | null;
}

/**
 * Dictionary twin of {@link FgBgToIndices}: writes `key + fgPostfix` and `key + bgPostfix`.
 *
 * @example
 * new FgBgToIndicesd({ keys: 'label', imageKey: 'image' }); // → label_fg_indices, label_bg_indices
 */
export class FgBgToIndicesd extends MapTransform<DataItem, FgBgToIndicesdOptions> {
  constructor(options: FgBgToIndicesdOptions) {
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const o = this.options;
    let image: MetaImage | null = null;
    if (o.imageKey !== undefined && o.imageKey !== null) {
      const ik = o.imageKey;
      if (!(ik in d) || d[ik] === undefined)
        fail(
          this.name,
          `imageKey '${ik}' is missing from the data item (keys present: ${Object.keys(d).join(', ') || 'none'})`,
        );
      image = requireImage(d[ik], this.name, ik);
    }
    for (const key of this.keyIterator(d)) {
      const [fg, bg] = withKey(this.name, key, () =>
        fgBgToIndices(requireImage(d[key], this.name, key), image, o, this.name),
      );
      d[key + (o.fgPostfix ?? '_fg_indices')] = fg;
      d[key + (o.bgPostfix ?? '_bg_indices')] = bg;
    }
    return d;
  }
}
