import { TransformError } from '../../src/errors.js';
import { type MetaImage, shapeSize } from '../../src/image/meta-image.js';
import { cropArray } from '../crop-pad/crop-array.js';
import { type PadMode, padArray } from '../crop-pad/pad-array.js';
import { MapTransform, type MapTransformOptions } from '../map-transform.js';
import {
  RandomizableMapTransform,
  RandomizableTransform,
  type RandomizableOptions,
} from '../randomizable.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { withKey } from '../keyed-errors.js';
import type { RandomState } from '../../src/random/index.js';
import { checkedOptions, passOn } from '../option-check.js';
import { roundHalfEven } from '../../src/image/numerics.js';

/** How GridPatch orders (and, with `numPatches`, selects) patches. */
export type GridPatchSort = 'min' | 'max';

/** Options of {@link GridPatch}. */
export interface GridPatchOptions {
  /** Patch size per spatial axis. */
  patchSize: readonly number[];
  /** Start of the grid per spatial axis (default 0). */
  offset?: readonly number[] | null;
  /** Keep this many patches (after sorting); missing ones are constant patches. Default all. */
  numPatches?: number | null;
  /** Overlap fraction between neighbouring patches, one or per axis (default 0). */
  overlap?: number | readonly number[];
  /** Order patches by their sum: `'min'` or `'max'` first (default null: grid order). */
  sortFn?: GridPatchSort | null;
  /** Keep only patches whose sum is below this (default null). */
  threshold?: number | null;
  /** Pad mode for patches that reach past the image (default null: only whole patches inside the image). */
  padMode?: PadMode | null;
  /** Fill value of `padMode: 'constant'` (MONAI's `constant_values` pad keyword; default 0). */
  constantValues?: number;
}

function check(o: GridPatchOptions, where: string): void {
  const ps = o?.patchSize;
  if (!Array.isArray(ps) || ps.length === 0 || !ps.every((p) => Number.isInteger(p) && p > 0))
    throw new TransformError(where, undefined, 'patchSize must be a list of positive integers');
  if (o.sortFn !== undefined && o.sortFn !== null && o.sortFn !== 'min' && o.sortFn !== 'max')
    throw new TransformError(
      where,
      undefined,
      `sortFn must be 'min', 'max' or null, got ${String(o.sortFn)}`,
    );
}

/**
 * MONAI `GridPatch` on one image: patches on a grid (row by row, last axis fastest, steps
 * `round(patch * (1 - overlap))`), filtered by `threshold`, sorted/limited, padded up to `numPatches`.
 * Returns a MetaImage `(N, C, ...patchSize)` whose meta has `location` (per axis, N starts), `count`
 * and `spatial_shape` (per axis, N sizes), as MONAI's batched MetaTensor.
 */
export function gridPatch(
  img: MetaImage,
  o: GridPatchOptions,
  offset?: readonly number[],
  where = 'GridPatch',
): MetaImage {
  check(o, where);
  const n = img.spatialDims;
  const ps = o.patchSize.slice(0, n);
  if (ps.length !== n)
    throw new TransformError(where, undefined, `patchSize has ${ps.length} entries for ${n} spatial axes`);
  const off = offset ?? o.offset ?? new Array<number>(n).fill(0);
  const ov =
    typeof o.overlap === 'number' || o.overlap === undefined
      ? new Array<number>(n).fill(o.overlap ?? 0)
      : [...o.overlap];
  const padded = o.padMode !== undefined && o.padMode !== null;
  const sp = img.spatialShape;
  let data = img.data;
  let shape = img.shape;
  if (padded) {
    const r = padArray(
      data,
      shape,
      [[0, 0], ...ps.map((p) => [p, p] as [number, number])],
      o.padMode as PadMode,
      o.constantValues ?? 0,
    );
    data = r.data;
    shape = r.shape;
  }
  const ranges = sp.map((s, a) => {
    const p = ps[a] as number;
    const step = roundHalfEven(p * (1 - (ov[a] as number)));
    if (step <= 0)
      throw new TransformError(where, undefined, `overlap ${String(ov[a])} leaves no step along axis ${a}`);
    const start = (off[a] ?? 0) + (padded ? p : 0);
    const end = padded ? s + p : s - p + 1;
    const out: number[] = [];
    for (let x = start; x < end; x += step) out.push(x);
    return out;
  });
  let starts: number[][] = [[]];
  for (const r of ranges) starts = starts.flatMap((s) => r.map((x) => [...s, x]));
  const c = img.numChannels;
  let patches = starts.map(
    (s) => cropArray(data, shape, [0, ...s], [c, ...s.map((x, a) => x + (ps[a] as number))]).data,
  );
  let locations = starts.map((s) => s.map((x, a) => x - (padded ? (ps[a] as number) : 0)));
  const sums = () =>
    patches.map((p) => {
      let t = 0;
      for (let i = 0; i < p.length; i++) t += p[i] as number;
      return t;
    });
  if (o.threshold !== undefined && o.threshold !== null) {
    const t = o.threshold;
    const keep = sums()
      .map((s, i) => (s < t ? i : -1))
      .filter((i) => i >= 0);
    patches = keep.map((i) => patches[i] as MetaImage['data']);
    locations = keep.map((i) => locations[i] as number[]);
  }
  const num = o.numPatches ?? null;
  if (o.sortFn && num !== null) {
    const s = sums();
    const order = s
      .map((_, i) => i)
      .sort(
        (a, b) =>
          (o.sortFn === 'min' ? (s[a] as number) - (s[b] as number) : (s[b] as number) - (s[a] as number)) ||
          a - b,
      );
    const idx = order.slice(0, num);
    patches = idx.map((i) => patches[i] as MetaImage['data']);
    locations = idx.map((i) => locations[i] as number[]);
  } else if (num !== null) {
    patches = patches.slice(0, num);
    locations = locations.slice(0, num);
  }
  return assemblePatches(img, patches, locations, ps, num, o.constantValues ?? 0);
}

/** Stacks patches into one `(N, C, ...patch)` MetaImage with MONAI's patch meta, padding to `num` with constant patches. */
function assemblePatches(
  img: MetaImage,
  patches: MetaImage['data'][],
  locations: number[][],
  ps: readonly number[],
  num: number | null,
  fill: number,
): MetaImage {
  const per = img.numChannels * shapeSize(ps);
  const count = num !== null ? Math.max(num, patches.length) : patches.length;
  const out = img.emptyLike([count, img.numChannels, ...ps]);
  patches.forEach((p, i) => out.data.set(p, i * per));
  if (count > patches.length) out.data.fill(fill, patches.length * per);
  while (locations.length < count) locations.push(ps.map(() => 0));
  out.meta.location = ps.map((_, a) => locations.map((l) => l[a] as number));
  out.meta.count = count;
  out.meta.spatial_shape = ps.map((p) => locations.map(() => p)) as unknown as number[];
  return out;
}

/**
 * Splits an image into patches on a grid (MONAI `GridPatch`), e.g. for patch-based inference on whole slides.
 *
 * @example
 * const patches = await new GridPatch({ patchSize: [64, 64], overlap: 0.25, padMode: 'constant' }).apply(img); // (N, C, 64, 64)
 */
export class GridPatch extends Transform<MetaImage, MetaImage, GridPatchOptions> {
  constructor(options: GridPatchOptions) {
    checkedOptions(new.target.name, options);
    check(options, 'GridPatch');
    super(options);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => gridPatch(image, this.options, undefined, this.name));
  }
}

/** Options of {@link GridPatchd}. */
export interface GridPatchdOptions extends MapTransformOptions, GridPatchOptions {}

/** Dictionary twin of {@link GridPatch}: each key becomes its `(N, C, ...patch)` stack. */
export class GridPatchd extends MapTransform<DataItem, GridPatchdOptions> {
  constructor(options: GridPatchdOptions) {
    checkedOptions(new.target.name, options);
    check(options, 'GridPatchd');
    super(options);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const o = this.options;
    return this.mapImages(data, (img) => gridPatch(img, o, undefined, this.name));
  }
}

/** Options of {@link RandGridPatch}. */
export interface RandGridPatchOptions extends Omit<GridPatchOptions, 'offset' | 'sortFn'> {
  /** Smallest grid offset per axis (one or per axis; default 0). */
  minOffset?: number | readonly number[] | null;
  /** Largest grid offset per axis (default `size // patch`). */
  maxOffset?: number | readonly number[] | null;
  /** `'random'` picks `numPatches` patches at random (kept in grid order); or `'min'`/`'max'` as GridPatch. */
  sortFn?: GridPatchSort | 'random' | null;
}

/**
 * GridPatch with a random grid offset (MONAI `RandGridPatch`): one `R.randint(min, max + 1)` per axis
 * (no probability draw), and with `sortFn: 'random'` `R.permutation(N)` for the selection.
 *
 * @example
 * await new RandGridPatch({ patchSize: [32, 32], numPatches: 8, sortFn: 'random' }).setRandomState(0).apply(img);
 */
export class RandGridPatch extends RandomizableTransform<
  MetaImage,
  MetaImage,
  RandGridPatchOptions & RandomizableOptions
> {
  /** The last drawn offset. */
  offset: number[] = [];

  constructor(options: RandGridPatchOptions) {
    checkedOptions(new.target.name, options);
    check({ ...options, sortFn: options.sortFn === 'random' ? null : options.sortFn }, 'RandGridPatch');
    super(passOn({ ...options, prob: 1 }));
  }

  /** Draws the offset for `img` (MONAI `randomize`: no `rand() < prob`). */
  randomizeFor(img: MetaImage): void {
    const o = this.options;
    const n = o.patchSize.length;
    const rep = (v: number | readonly number[] | null | undefined, d: number[]) =>
      v === undefined || v === null ? d : typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
    const lo = rep(o.minOffset, new Array<number>(n).fill(0));
    const hi = rep(
      o.maxOffset,
      img.spatialShape.slice(0, n).map((s, a) => Math.floor(s / (o.patchSize[a] as number))),
    );
    this.offset = lo.map((l, a) => this.R.randint(l, (hi[a] as number) + 1));
  }

  /** Patches at the last drawn offset. */
  run(img: MetaImage): MetaImage {
    const o = this.options;
    if (o.sortFn !== 'random')
      return gridPatch(img, { ...o, sortFn: o.sortFn ?? null }, this.offset, this.name);
    const all = gridPatch(img, { ...o, sortFn: null, numPatches: null }, this.offset, this.name);
    const total = all.shape[0] as number;
    const idx = this.R.permutation(total)
      .slice(0, o.numPatches ?? total)
      .sort((a, b) => a - b);
    const ps = all.shape.slice(2);
    const per = shapeSize(all.shape.slice(1));
    const loc = all.meta.location as number[][];
    return assemblePatches(
      img,
      idx.map((i) => all.data.subarray(i * per, (i + 1) * per)),
      idx.map((i) => loc.map((l) => l[i] as number)),
      ps,
      o.numPatches ?? null,
      o.constantValues ?? 0,
    );
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => {
      this.randomizeFor(image);
      return this.run(image);
    });
  }
}

/** Options of {@link RandGridPatchd}. */
export interface RandGridPatchdOptions extends MapTransformOptions, RandGridPatchOptions {}

/** Dictionary twin of {@link RandGridPatch}: one offset (drawn from the first key) for all keys. */
export class RandGridPatchd extends RandomizableMapTransform<DataItem, RandGridPatchdOptions> {
  readonly patcher: RandGridPatch;

  constructor(options: RandGridPatchdOptions) {
    super(passOn({ ...checkedOptions(new.target.name, options), prob: 1 }));
    this.patcher = new RandGridPatch(passOn(options));
  }

  override setRandomState(seed?: number, state?: RandomState): this {
    super.setRandomState(seed, state);
    this.patcher.setRandomState(seed, state);
    return this;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const keys = this.keyIterator(data);
    const first = keys[0];
    if (first !== undefined)
      withKey(this.name, first, () => this.patcher.randomizeFor(requireImage(data[first], this.name, first)));
    return this.mapImages(data, (img) => this.patcher.run(img));
  }
}
