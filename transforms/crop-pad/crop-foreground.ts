import type { NumericArray } from '../../src/image/dtype.js';
import { TransformError } from '../../src/errors.js';
import { type MetaImage, shapeSize } from '../../src/image/meta-image.js';
import { markInvertible, popOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { cropImage, invertCrop } from './crop-image.js';
import { computeDivisibleSpatialSize } from './divisible-pad.js';
import type { PadMode } from './pad-array.js';
import { invertPad, padImage } from './pad-image.js';
import { type IntOrList, computeSlices, formatList } from './slices.js';

/**
 * Foreground test applied to each voxel value (MONAI's `select_fn`, default `is_positive`: `v > 0`).
 * Unlike MONAI it receives one value, not the whole array.
 */
export type SelectFn = (value: number) => boolean;

/** An array with its C-order shape, channel first (a MetaImage fits). */
export interface ShapedArray {
  data: NumericArray;
  shape: readonly number[];
}

/** Options of `foregroundBoundingBox`. */
export interface ForegroundBoxOptions {
  /** Voxel test (default `v > 0`). */
  selectFn?: SelectFn;
  /** Channels to look at (default: all; a voxel is foreground if any selected channel passes). */
  channelIndices?: number | readonly number[] | null;
  /** Margin added on both sides of each axis: one value or one per axis; must not be negative. */
  margin?: IntOrList;
  /** Clip the margined box to the image (default true); when false the box may extend past it (then padded). */
  allowSmaller?: boolean;
}

/** A spatial box `[start, end)` per axis. */
export interface SpatialBox {
  start: number[];
  end: number[];
}

function perAxis(value: IntOrList, n: number, option: string, where: string): number[] {
  const list =
    typeof value === 'number' ? new Array<number>(n).fill(value) : Array.isArray(value) ? [...value] : null;
  if (list === null)
    return fail(where, `${option} must be a number or a list of numbers, got ${String(value)}`);
  const full = list.length === 1 ? new Array<number>(n).fill(list[0] as number) : list;
  if (full.length !== n)
    fail(where, `${option} has ${list.length} values but the image has ${n} spatial dimensions`);
  if (full.some((v) => typeof v !== 'number' || !Number.isInteger(v)))
    fail(where, `${option} must hold integers, got ${formatList(list)}`);
  return full;
}

/** The foreground mask (any selected channel passes `selectFn`) over the spatial voxels. */
function foregroundMask(img: ShapedArray, options: ForegroundBoxOptions, where: string): Uint8Array {
  const nc = img.shape[0] ?? 1;
  const spatial = shapeSize(img.shape.slice(1));
  let channels: number[];
  if (options.channelIndices === undefined || options.channelIndices === null)
    channels = Array.from({ length: nc }, (_, i) => i);
  else {
    const ci =
      typeof options.channelIndices === 'number' ? [options.channelIndices] : [...options.channelIndices];
    channels = ci.map((c) => {
      if (!Number.isInteger(c) || c < -nc || c >= nc)
        fail(where, `channelIndices ${formatList(ci)} do not fit an image with ${nc} channel(s)`);
      return c < 0 ? c + nc : c;
    });
  }
  const fn = options.selectFn;
  if (fn !== undefined && typeof fn !== 'function')
    fail(where, 'selectFn must be a function (value) => boolean');
  const mask = new Uint8Array(spatial);
  const d = img.data;
  for (const c of channels) {
    const base = c * spatial;
    if (fn === undefined) {
      for (let v = 0; v < spatial; v++) if ((d[base + v] as number) > 0) mask[v] = 1;
    } else {
      for (let v = 0; v < spatial; v++) if (!mask[v] && fn(d[base + v] as number)) mask[v] = 1;
    }
  }
  return mask;
}

/**
 * The bounding box of the foreground (MONAI `generate_spatial_bounding_box`), margined and (with
 * `allowSmaller`, the default) clipped to the image; `null` when no voxel is foreground (MONAI then
 * returns an all-zero box).
 */
export function foregroundBoundingBox(
  img: ShapedArray,
  options: ForegroundBoxOptions = {},
  where = 'CropForeground',
): SpatialBox | null {
  const spatialShape = img.shape.slice(1);
  const n = spatialShape.length;
  if (n === 0) return fail(where, 'the image has no spatial axes');
  const margin = perAxis(options.margin ?? 0, n, 'margin', where);
  if (margin.some((m) => m < 0)) fail(where, `margin must not be negative, got ${formatList(margin)}`);
  const mask = foregroundMask(img, options, where);
  const lo = new Array<number>(n).fill(Infinity);
  const hi = new Array<number>(n).fill(-1);
  const inner = spatialShape[n - 1] as number;
  const rows = inner === 0 ? 0 : mask.length / inner;
  const idx = new Array<number>(Math.max(0, n - 1)).fill(0);
  for (let r = 0; r < rows; r++) {
    const base = r * inner;
    let first = -1;
    let last = -1;
    for (let i = 0; i < inner; i++)
      if (mask[base + i]) {
        first = i;
        break;
      }
    if (first >= 0) {
      for (let i = inner - 1; i >= first; i--)
        if (mask[base + i]) {
          last = i;
          break;
        }
      if (first < (lo[n - 1] as number)) lo[n - 1] = first;
      if (last > (hi[n - 1] as number)) hi[n - 1] = last;
      for (let ax = 0; ax < n - 1; ax++) {
        const v = idx[ax] as number;
        if (v < (lo[ax] as number)) lo[ax] = v;
        if (v > (hi[ax] as number)) hi[ax] = v;
      }
    }
    for (let ax = n - 2; ax >= 0; ax--) {
      const next = (idx[ax] as number) + 1;
      if (next < (spatialShape[ax] as number)) {
        idx[ax] = next;
        break;
      }
      idx[ax] = 0;
    }
  }
  if (hi.some((h) => h < 0)) return null;
  const allowSmaller = options.allowSmaller ?? true;
  const start = lo.map((v, i) => v - (margin[i] as number));
  const end = hi.map((v, i) => v + (margin[i] as number) + 1);
  if (allowSmaller)
    for (let i = 0; i < n; i++) {
      start[i] = Math.max(start[i] as number, 0);
      end[i] = Math.min(end[i] as number, spatialShape[i] as number);
    }
  return { start, end };
}

/** MONAI's `generate_spatial_bounding_box`: as `foregroundBoundingBox`, but an all-zero box when there is no foreground. */
export function generateSpatialBoundingBox(img: ShapedArray, options: ForegroundBoxOptions = {}): SpatialBox {
  const n = img.shape.length - 1;
  return (
    foregroundBoundingBox(img, options) ?? {
      start: new Array<number>(n).fill(0),
      end: new Array<number>(n).fill(0),
    }
  );
}

/** Options of `computeForegroundBox`. */
export interface CropForegroundBoxOptions extends ForegroundBoxOptions {
  /** Make the box size a multiple of `k` on each axis (grown about its centre; default 1). */
  kDivisible?: IntOrList;
  /**
   * With no foreground, return MONAI's empty box (default true, as MONAI: the crop is an empty image);
   * false throws a TransformError instead (the stricter behaviour of earlier versions).
   */
  allowEmpty?: boolean;
}

/**
 * The crop box of MONAI's `CropForeground.compute_bounding_box`: the foreground box, grown to a
 * multiple of `kDivisible` (extra `⌊(new − old)/2⌋` before). May extend past the image (then the
 * crop pads). When nothing is foreground the box is empty (MONAI), or, with `allowEmpty: false`, a
 * TransformError is thrown.
 */
export function computeForegroundBox(
  img: ShapedArray,
  options: CropForegroundBoxOptions = {},
  where = 'CropForeground',
): SpatialBox {
  let box = foregroundBoundingBox(img, options, where);
  if (box === null) {
    if (options.allowEmpty === false)
      fail(
        where,
        `no foreground found: no voxel passes ${options.selectFn ? 'selectFn' : 'the default test (value > 0)'}` +
          `${options.channelIndices !== undefined && options.channelIndices !== null ? ` in channels ${String(options.channelIndices)}` : ''}. ` +
          'MONAI 1.4 would crop to an empty (size 0) image here; check the image (all zero or all negative?) or the selectFn, ' +
          'or leave allowEmpty at its default (true) to get MONAI’s empty crop',
      );
    const n = img.shape.length - 1;
    box = { start: new Array<number>(n).fill(0), end: new Array<number>(n).fill(0) };
  }
  const orig = box.end.map((e, i) => e - (box.start[i] as number));
  const k = options.kDivisible ?? 1;
  const size = computeDivisibleSpatialSize(
    orig,
    typeof k === 'number' ? k : Array.isArray(k) && k.length === 1 ? (k[0] as number) : k,
    where,
  );
  const start = box.start.map((s, i) => s - Math.floor(((size[i] as number) - (orig[i] as number)) / 2));
  return { start, end: start.map((s, i) => s + (size[i] as number)) };
}

/**
 * Crops `img` to `box` and pads where the box extends past the image (MONAI `CropForeground.crop_pad`):
 * records one `traceClass` operation with the padding in `extra_info.pad_info`.
 */
export function cropPadToBox(
  img: MetaImage,
  box: SpatialBox,
  options: { mode?: PadMode; value?: number; traceClass?: string } = {},
): MetaImage {
  const traceClass = options.traceClass ?? 'CropForeground';
  const cropped = cropImage(
    img,
    computeSlices({ roiStart: box.start, roiEnd: box.end }, traceClass),
    traceClass,
  );
  const shape = img.spatialShape;
  const width: [number, number][] = [[0, 0]];
  for (let i = 0; i < shape.length; i++)
    width.push([
      Math.max(-(box.start[i] as number), 0),
      Math.max((box.end[i] as number) - (shape[i] as number), 0),
    ]);
  const out = padImage(cropped, width, {
    mode: options.mode ?? 'constant',
    value: options.value ?? 0,
    traceClass: 'Pad',
  });
  const ops = out.appliedOperations;
  const padInfo = ops[ops.length - 1];
  const cropInfo = ops[ops.length - 2];
  if (padInfo && cropInfo)
    out.appliedOperations = [
      ...ops.slice(0, -2),
      { ...cropInfo, extra_info: { ...cropInfo.extra_info, pad_info: padInfo } },
    ];
  return out;
}

/** Undoes {@link cropPadToBox}: pops the `className` operation, crops its padding away, pads the crop back with zeros. */
export function invertCropPad(img: MetaImage, className: string, key?: string): MetaImage {
  const work = img.shallowClone();
  const op = popOperation(work, className, key);
  const padInfo = op.extra_info.pad_info as typeof op | undefined;
  const unpadded = padInfo ? invertPad(work, padInfo) : work;
  return invertCrop(unpadded, op);
}

/** Options of {@link CropForeground}. */
export interface CropForegroundOptions extends CropForegroundBoxOptions {
  /** Padding mode where the box extends past the image (default `'constant'`). */
  mode?: PadMode;
  /** Constant padding value (default 0). */
  value?: number;
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
  /** Return `[cropped, boxStart, boxEnd]` instead of the cropped image (MONAI `return_coords`; default false). */
  returnCoords?: boolean;
}

/** What {@link CropForeground} returns: the crop, or with `returnCoords` the crop and its box. */
export type CropForegroundResult<R extends boolean> = R extends true
  ? [MetaImage, number[], number[]]
  : MetaImage;

/**
 * Crops to the bounding box of the foreground (MONAI `CropForeground`), with `margin`, `kDivisible`
 * and `allowSmaller`; pads with `mode` where the box leaves the image. Invertible. An image with no
 * foreground gives an empty crop, as MONAI (`allowEmpty: false` makes it an error). With
 * `returnCoords: true` the result is `[cropped, boxStart, boxEnd]`.
 *
 * @example
 * const out = await new CropForeground({ margin: 2, selectFn: (v) => v > 100 }).apply(ct);
 * const [crop, start, end] = await new CropForeground({ returnCoords: true }).apply(ct);
 */
export class CropForeground<R extends boolean = false> extends Transform<
  MetaImage,
  CropForegroundResult<R>,
  CropForegroundOptions & { returnCoords?: R }
> {
  constructor(options: CropForegroundOptions & { returnCoords?: R } = {}) {
    super(options);
    markInvertible(this);
  }

  /** The crop box for `img` (MONAI `compute_bounding_box`). */
  computeBoundingBox(img: MetaImage): SpatialBox {
    return computeForegroundBox(img, this.options, this.name);
  }

  async apply(img: MetaImage): Promise<CropForegroundResult<R>> {
    return withKey(this.name, undefined, () => {
      const image = requireImage(img, this.name);
      const o = this.options;
      const box = this.computeBoundingBox(image);
      const out = cropPadToBox(image, box, { mode: o.mode, value: o.value, traceClass: this.name });
      return (o.returnCoords ? [out, box.start, box.end] : out) as CropForegroundResult<R>;
    });
  }

  /** Undoes the crop (and any padding) recorded by this transform. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertCropPad(requireImage(img, this.name), this.name));
  }
}

/** Options of {@link CropForegroundd}. */
export interface CropForegrounddOptions
  extends MapTransformOptions, Omit<CropForegroundOptions, 'mode' | 'returnCoords'> {
  /** Key of the image whose foreground defines the box (applied to all `keys`). */
  sourceKey: string;
  /** Padding mode, one for all keys or one per key. */
  mode?: PadMode | readonly PadMode[];
  /** Item key that receives the box start (default `'foreground_start_coord'`; `null`: not written). */
  startCoordKey?: string | null;
  /** Item key that receives the box end (default `'foreground_end_coord'`; `null`: not written). */
  endCoordKey?: string | null;
}

/**
 * Dictionary twin of {@link CropForeground}: the box comes from `sourceKey` and crops every key; the
 * box is written to `startCoordKey`/`endCoordKey` as MONAI does.
 *
 * @example
 * new CropForegroundd({ keys: ['image', 'label'], sourceKey: 'image', margin: 2 });
 */
export class CropForegroundd extends MapTransform<DataItem, CropForegrounddOptions> {
  readonly sourceKey: string;
  readonly modes: PadMode[];

  constructor(options: CropForegrounddOptions) {
    super(options);
    markInvertible(this);
    if (typeof options.sourceKey !== 'string' || options.sourceKey === '')
      throw new TransformError(
        this.name,
        undefined,
        'sourceKey must name the key whose foreground defines the crop box',
      );
    this.sourceKey = options.sourceKey;
    this.modes = perKey(options.mode ?? 'constant', this.keys, this.name, 'mode');
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const o = this.options;
    const src = this.sourceKey;
    if (!(src in d) || d[src] === undefined)
      throw new TransformError(
        this.name,
        src,
        `sourceKey '${src}' is missing from the data item (keys present: ${Object.keys(d).join(', ') || 'none'})`,
      );
    const box = withKey(this.name, src, () =>
      computeForegroundBox(requireImage(d[src], this.name, src), o, 'CropForeground'),
    );
    const startKey = o.startCoordKey === undefined ? 'foreground_start_coord' : o.startCoordKey;
    const endKey = o.endCoordKey === undefined ? 'foreground_end_coord' : o.endCoordKey;
    if (startKey !== null) d[startKey] = [...box.start];
    if (endKey !== null) d[endKey] = [...box.end];
    for (const key of this.keyIterator(d)) {
      const mode = this.modes[this.keys.indexOf(key)] as PadMode;
      d[key] = withKey(this.name, key, () =>
        cropPadToBox(requireImage(d[key], this.name, key), box, {
          mode,
          value: o.value,
          traceClass: 'CropForeground',
        }),
      );
    }
    return d;
  }

  /** Undoes the crop (and any padding) on each key; the coordinate keys are left as they are (as MONAI). */
  async inverse(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () =>
        invertCropPad(requireImage(d[key], this.name, key), 'CropForeground', key),
      );
    return d;
  }
}
