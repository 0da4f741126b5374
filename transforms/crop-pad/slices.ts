import { fail } from '../keyed-errors.js';

/** A Python-style slice of one spatial axis (`null`/missing: from the start / to the end; negatives count from the end). */
export interface CropSlice {
  start?: number | null;
  stop?: number | null;
  /** Only 1 (or null) is supported, as in MONAI. */
  step?: number | null;
}

/** A slice as an object or as a `[start, stop]` pair. */
export type SliceLike = CropSlice | readonly [(number | null | undefined)?, (number | null | undefined)?];

/** A number or one per spatial axis (MONAI accepts both for sizes and coordinates). */
export type IntOrList = number | readonly number[];

/** Normalises a {@link SliceLike} to a {@link CropSlice}. */
export function toSlice(s: SliceLike, where = 'SpatialCrop'): CropSlice {
  if (Array.isArray(s)) {
    if (s.length > 2) fail(where, `a slice pair must be [start, stop], got ${JSON.stringify(s)}`);
    return { start: s[0] ?? null, stop: s[1] ?? null };
  }
  if (typeof s !== 'object' || s === null)
    fail(where, `a slice must be {start, stop} or [start, stop], got ${String(s)}`);
  return s as CropSlice;
}

/** Python's `slice(start, stop).indices(length)` for step 1: the clipped `[start, stop]`. */
export function sliceIndices(s: CropSlice, length: number): [number, number] {
  const clip = (v: number | null | undefined, dflt: number): number => {
    if (v === null || v === undefined) return dflt;
    if (v < 0) return Math.max(v + length, 0);
    return Math.min(v, length);
  };
  return [clip(s.start, 0), clip(s.stop, length)];
}

/** Reads an int-or-list option as a list of finite integers (non-integers truncated, as MONAI's int16 cast). */
export function intList(value: unknown, option: string, where: string): number[] {
  const list =
    typeof value === 'number'
      ? [value]
      : Array.isArray(value) || ArrayBuffer.isView(value)
        ? Array.from(value as ArrayLike<unknown>)
        : null;
  if (list === null || list.length === 0)
    fail(
      where,
      `${option} must be a number or a non-empty list of numbers, got ${JSON.stringify(value) ?? String(value)}`,
    );
  return list.map((v) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      fail(
        where,
        `${option} must hold finite numbers, got ${JSON.stringify(value, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x))}`,
      );
    return Math.trunc(v);
  });
}

/**
 * MONAI's `fall_back_tuple` for sizes: one value for all `ndim` axes or one per axis; `-1` and `0`
 * mean "the image's size on that axis". Sizes must be integers; other negative values are rejected
 * (MONAI silently treats every non-positive value as "image size", which hides typos).
 */
export function fallBackSizes(
  value: unknown,
  imageSize: readonly number[],
  option: string,
  where: string,
): number[] {
  const ndim = imageSize.length;
  const list =
    typeof value === 'number'
      ? new Array<unknown>(ndim).fill(value)
      : Array.isArray(value) || ArrayBuffer.isView(value)
        ? Array.from(value as ArrayLike<unknown>)
        : null;
  if (list === null)
    fail(
      where,
      `${option} must be a number or a list of ${ndim} numbers, got ${JSON.stringify(value) ?? String(value)}`,
    );
  const fixed = list.length === 1 ? new Array<unknown>(ndim).fill(list[0]) : list;
  if (fixed.length !== ndim)
    fail(
      where,
      `${option} has ${list.length} values but the image has ${ndim} spatial dimensions [${imageSize.join(', ')}]`,
    );
  return fixed.map((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v))
      fail(where, `${option} must hold integers, got ${formatList(list)}`);
    if (v < -1)
      fail(where, `${option} must be positive (or -1 to keep the image size), got ${formatList(list)}`);
    return v > 0 ? v : (imageSize[i] as number);
  });
}

/** Formats a list of option values, NaN and Infinity included. */
export function formatList(list: readonly unknown[]): string {
  return `[${list.map((v) => String(v)).join(', ')}]`;
}

/** Broadcasts two lists to a common length (one of length 1 repeats), as torch does for MONAI's ROI maths. */
function broadcast(a: number[], b: number[], names: string, where: string): [number[], number[]] {
  if (a.length === b.length) return [a, b];
  if (a.length === 1) return [b.map(() => a[0] as number), b];
  if (b.length === 1) return [a, a.map(() => b[0] as number)];
  return fail(where, `${names} have different lengths (${a.length} and ${b.length})`);
}

/** Options naming a crop box (MONAI `Crop.compute_slices`). */
export interface RoiOptions {
  /** Voxel coordinates of the ROI centre (with `roiSize`). */
  roiCenter?: IntOrList;
  /** ROI size (with `roiCenter`); must not be negative. */
  roiSize?: IntOrList;
  /** First voxel of the ROI (with `roiEnd`); negative values are clamped to 0. */
  roiStart?: IntOrList;
  /** End (exclusive) of the ROI (with `roiStart`); clipped to the image. */
  roiEnd?: IntOrList;
  /** One slice per spatial axis (step 1 only); negative indices count from the end. */
  roiSlices?: readonly SliceLike[];
}

/**
 * MONAI's `Crop.compute_slices`: the crop slices from `roiSlices`, from `roiCenter` + `roiSize`
 * (start = max(center − ⌊size/2⌋, 0), end = start + size) or from `roiStart` + `roiEnd`
 * (start clamped to ≥ 0, end ≥ start). Ends past the image are clipped when cropping.
 */
export function computeSlices(options: RoiOptions, where = 'SpatialCrop'): CropSlice[] {
  const { roiCenter, roiSize, roiStart, roiEnd, roiSlices } = options;
  if (roiSlices !== undefined && roiSlices !== null && roiSlices.length > 0) {
    const slices = roiSlices.map((s) => toSlice(s, where));
    for (const s of slices) {
      if (s.step !== undefined && s.step !== null && s.step !== 1)
        fail(where, `only slice steps of 1 are supported, got ${s.step}`);
      for (const v of [s.start, s.stop])
        if (v !== undefined && v !== null && !Number.isInteger(v))
          fail(where, `slice bounds must be integers or null, got ${JSON.stringify(s)}`);
    }
    return slices;
  }
  let start: number[];
  let end: number[];
  if (roiCenter !== undefined && roiCenter !== null && roiSize !== undefined && roiSize !== null) {
    const [c, size] = broadcast(
      intList(roiCenter, 'roiCenter', where),
      intList(roiSize, 'roiSize', where),
      'roiCenter and roiSize',
      where,
    );
    if (size.some((v) => v < 0)) fail(where, `roiSize must not be negative, got ${formatList(size)}`);
    start = c.map((v, i) => Math.max(v - Math.floor((size[i] as number) / 2), 0));
    end = start.map((v, i) => Math.max(v + (size[i] as number), v));
  } else if (roiStart !== undefined && roiStart !== null && roiEnd !== undefined && roiEnd !== null) {
    const [s, e] = broadcast(
      intList(roiStart, 'roiStart', where),
      intList(roiEnd, 'roiEnd', where),
      'roiStart and roiEnd',
      where,
    );
    start = s.map((v) => Math.max(v, 0));
    end = e.map((v, i) => Math.max(v, start[i] as number));
  } else {
    return fail(where, 'specify roiCenter and roiSize, or roiStart and roiEnd, or roiSlices');
  }
  return start.map((s, i) => ({ start: s, stop: end[i] as number }));
}

/**
 * MONAI's `CenterSpatialCrop.compute_slices`: a `roiSize` box (−1/0: whole axis) centred at
 * ⌊size/2⌋ of each axis.
 */
export function centerCropSlices(
  spatialShape: readonly number[],
  roiSize: IntOrList,
  where = 'CenterSpatialCrop',
): CropSlice[] {
  const roi = fallBackSizes(roiSize, spatialShape, 'roiSize', where);
  const center = spatialShape.map((s) => Math.floor(s / 2));
  return computeSlices({ roiCenter: center, roiSize: roi }, where);
}
