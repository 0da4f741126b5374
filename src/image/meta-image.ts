import { type AffineMatrix, identityAffine } from './affine.js';
import { type DType, type NumericArray, allocArray, dtypeOf, matchesDType } from './dtype.js';
import { stridedCopy } from './strided.js';

const BRAND = Symbol.for('csc-mlops.MetaImage');

/**
 * One entry of an image's transform trace, as MONAI's `applied_operations` (snake_case kept so
 * traces compare with MONAI's).
 */
export interface AppliedOperation {
  class: string;
  orig_size: number[];
  extra_info: Record<string, unknown>;
  do_transforms?: boolean;
  tracing?: boolean;
  lazy?: boolean;
  [k: string]: unknown;
}

/** `original_channel_dim`: an axis, or `'no_channel'` (MONAI's NaN). */
export type ChannelDim = number | 'no_channel';

/** Image metadata with MONAI's key names. Readers add their header fields. */
export interface ImageMeta {
  /** Spatial shape at load time. */
  spatial_shape?: number[];
  /** Affine at load time (RAS). */
  original_affine?: AffineMatrix;
  /** Where the channel axis was in the file, or `'no_channel'`. */
  original_channel_dim?: ChannelDim;
  /** Source file(s). */
  filename_or_obj?: string | string[];
  /** World space of the affine: `'RAS'` (MONAI's default). */
  space?: string;
  [k: string]: unknown;
}

/** Constructor options of {@link MetaImage}. */
export interface MetaImageInit {
  data: NumericArray;
  /** Channel-first shape `[C, x, y(, z)]`, C order (last axis fastest). */
  shape: readonly number[];
  /** Defaults to the dtype of `data` (pass `'bool'` for masks). */
  dtype?: DType;
  /** Row-major 4×4 voxel→world (RAS) affine. Identity by default. */
  affine?: AffineMatrix;
  meta?: ImageMeta;
  appliedOperations?: AppliedOperation[];
}

/**
 * Where an unread crop's voxels are: `data[k] = src[offset + Σ idx_j · strides_j]` over the image's
 * shape (see {@link stridedCopy}). The source is read, never written.
 */
export interface StridedRegion {
  src: NumericArray;
  strides: number[];
  offset: number;
}

const REGION = Symbol('region');
type RegionInit = MetaImageInit & { [REGION]?: StridedRegion };
const EMPTY = new Float32Array(0);

// Where a MetaImage keeps its array and its unread region: non-enumerable symbol-keyed properties
// behind the `data` accessor (plain functions and properties, so V8 inlines `img.data` in a loop as
// it does a field; ES-private fields made such a loop several times slower).
const STORED_DATA = Symbol('data');
const STORED_REGION = Symbol('region');
interface Stored {
  [STORED_DATA]: NumericArray | undefined;
  [STORED_REGION]: StridedRegion | undefined;
  dtype: DType;
  shape: number[];
}
const HIDDEN = { writable: true, enumerable: false, configurable: false } as const;

/** `data` of an unread crop: its region copied out of the source, kept from then on. */
function readRegion(img: Stored): NumericArray {
  const r = img[STORED_REGION] as StridedRegion;
  const out = allocArray(img.dtype, shapeSize(img.shape));
  stridedCopy(r.src, out, img.shape, r.strides, r.offset);
  img[STORED_DATA] = out;
  img[STORED_REGION] = undefined;
  return out;
}

const DATA_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  configurable: false,
  get(this: Stored): NumericArray {
    const d = this[STORED_DATA];
    return d !== undefined ? d : readRegion(this);
  },
  set(this: Stored, data: NumericArray): void {
    this[STORED_DATA] = data;
    this[STORED_REGION] = undefined;
  },
};

/**
 * An image array with its geometry and metadata: the TypeScript twin of MONAI's MetaTensor.
 * Holds a typed array (never a tensor), channel-first in C order.
 *
 * @example
 * const img = new MetaImage({ data: new Float32Array(8), shape: [1, 2, 2, 2] });
 * img.spatialShape; // [2, 2, 2]
 */
export class MetaImage {
  readonly [BRAND] = true;
  /**
   * The voxels, channel-first in C order. An image made by a crop reads its region of the source
   * array on first access (so a DataLoader batch copies a crop once, straight into the batch).
   */
  declare data: NumericArray;
  dtype: DType;
  shape: number[];
  affine: AffineMatrix;
  meta: ImageMeta;
  appliedOperations: AppliedOperation[];

  constructor(init: MetaImageInit) {
    const size = init.shape.reduce((a, b) => a * b, 1);
    if (init.shape.some((s) => !Number.isInteger(s) || s < 0))
      throw new RangeError(`invalid image shape [${init.shape.join(', ')}]`);
    const region = (init as RegionInit)[REGION];
    const array = region ? region.src : init.data;
    if (!region && init.data.length !== size)
      throw new RangeError(
        `data has ${init.data.length} elements but shape [${init.shape.join(', ')}] needs ${size}`,
      );
    const dtype = init.dtype ?? dtypeOf(array);
    if (!matchesDType(array, dtype)) throw new TypeError(`data is not a ${dtype} array`);
    if (init.affine && init.affine.length !== 16) throw new RangeError('affine must be a Float64Array(16)');
    Object.defineProperty(this, STORED_DATA, { ...HIDDEN, value: region ? undefined : init.data });
    Object.defineProperty(this, STORED_REGION, { ...HIDDEN, value: region });
    Object.defineProperty(this, 'data', DATA_PROPERTY);
    this.dtype = dtype;
    this.shape = [...init.shape];
    this.affine = init.affine ?? identityAffine();
    this.meta = init.meta ?? {};
    this.appliedOperations = init.appliedOperations ?? [];
  }

  /** True for a MetaImage from any copy of this package (no `instanceof`). */
  static isMetaImage(x: unknown): x is MetaImage {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Shape without the channel axis. */
  get spatialShape(): number[] {
    return this.shape.slice(1);
  }

  /** Number of channels (the first axis). */
  get numChannels(): number {
    return this.shape[0] ?? 1;
  }

  /** Number of spatial dimensions. */
  get spatialDims(): number {
    return this.shape.length - 1;
  }

  /** Number of elements. */
  get size(): number {
    const d = (this as unknown as Stored)[STORED_DATA];
    return d !== undefined ? d.length : shapeSize(this.shape);
  }

  /** Bytes held by the array. */
  get byteLength(): number {
    const own = this as unknown as Stored;
    const d = own[STORED_DATA];
    return d !== undefined
      ? d.byteLength
      : this.size * (own[STORED_REGION] as StridedRegion).src.BYTES_PER_ELEMENT;
  }

  /**
   * A new image sharing nothing mutable with this one unless replaced: pass fields to replace
   * (the data array is copied only when not replaced). Meta and the trace are copied one level
   * deep; typed-array meta values are copied too.
   */
  clone(changes: Partial<MetaImageInit> = {}): MetaImage {
    return new MetaImage({
      data: changes.data ?? this.data.slice(),
      shape: changes.shape ?? this.shape,
      dtype: changes.dtype ?? (changes.data ? undefined : this.dtype),
      affine: changes.affine ?? this.affine.slice(),
      meta: changes.meta ?? copyMeta(this.meta),
      appliedOperations: changes.appliedOperations ?? copyTrace(this.appliedOperations),
    });
  }

  /**
   * A new image with its own geometry, meta and trace (copied as {@link clone} copies them, or
   * replaced by `changes`) but this image's data array itself, not a copy: for steps that change
   * only metadata. An unread crop stays unread.
   *
   * @example
   * const moved = img.shallowClone({ affine: newAffine }); // moved.data === img.data
   */
  shallowClone(changes: Omit<Partial<MetaImageInit>, 'data' | 'shape'> = {}): MetaImage {
    const own = this as unknown as Stored;
    const data = own[STORED_DATA];
    const init: MetaImageInit = {
      data: data ?? EMPTY,
      shape: this.shape,
      dtype: changes.dtype ?? this.dtype,
      affine: changes.affine ?? this.affine.slice(),
      meta: changes.meta ?? copyMeta(this.meta),
      appliedOperations: changes.appliedOperations ?? copyTrace(this.appliedOperations),
    };
    return new MetaImage(data ? init : ({ ...init, [REGION]: own[STORED_REGION] } as RegionInit));
  }

  /** A zero-filled image with this geometry and meta, of another shape and/or dtype. */
  emptyLike(shape: readonly number[] = this.shape, dtype: DType = this.dtype): MetaImage {
    return this.clone({
      data: allocArray(
        dtype,
        shape.reduce((a, b) => a * b, 1),
      ),
      shape,
      dtype,
    });
  }
}

/**
 * An image whose data is a region of another array, copied on first read of `data`. Crops use it so
 * that a DataLoader copies a crop once, straight into the batch buffer ({@link pendingRegion}).
 * The caller guarantees `src` is not written while the image is unread (the package's transforms
 * never write into their input).
 */
export function regionImage(init: Omit<MetaImageInit, 'data'>, region: StridedRegion): MetaImage {
  return new MetaImage({ ...init, data: EMPTY, [REGION]: region } as RegionInit);
}

/** The region an unread {@link regionImage} still points at, or undefined once its data exists. */
export function pendingRegion(img: MetaImage): StridedRegion | undefined {
  return (img as unknown as Stored)[STORED_REGION];
}

/**
 * A deep copy of an applied-operations trace, as `structuredClone` gives but several times faster
 * on a trace's plain data (plain objects, arrays, typed arrays are copied directly; any other object
 * goes through `structuredClone`). Typed arrays come back in ordinary memory.
 */
export function copyTrace(ops: readonly AppliedOperation[]): AppliedOperation[] {
  return ops.map((op) => copyPlainData(op) as AppliedOperation);
}

function copyPlainData(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(copyPlainData);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return (v as Float64Array).slice();
  if (Object.getPrototypeOf(v) !== Object.prototype) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = copyPlainData(x);
  return out;
}

/** Copies meta one level deep (typed arrays and arrays are copied, other objects kept). */
export function copyMeta(meta: ImageMeta): ImageMeta {
  const out: ImageMeta = {};
  for (const [k, v] of Object.entries(meta)) {
    if (ArrayBuffer.isView(v)) out[k] = (v as Float64Array).slice();
    else if (Array.isArray(v)) out[k] = v.slice();
    else out[k] = v;
  }
  return out;
}

/** Element count of a shape. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** C-order strides (in elements) of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}
