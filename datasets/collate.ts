import * as tf from '@tensorflow/tfjs-core';
import {
  type TensorArray,
  type TensorDType,
  type TensorLayout,
  allocTensorArray,
  checkLayout,
  layoutShape,
  tensorDTypeOf,
  writeTensorData,
} from '../src/backend/tensor-data.js';
import { DatasetError } from '../src/errors.js';
import type { NumericArray } from '../src/image/dtype.js';
import { MetaImage, copyTrace, pendingRegion } from '../src/image/meta-image.js';
import { stridedCopy } from '../src/image/strided.js';
import { isPlainObject } from './item-values.js';

/**
 * A collated batch: `batch[key]` is a `tf.Tensor` (batch first) for image keys, numbers and numeric
 * arrays; `batch[key + '_meta_dict']` the collated meta of image keys (`affine`: B Float64Array(16),
 * `applied_operations`: B traces, other meta keys as lists); other values as lists. The holder owns
 * the tensors: `batch.dispose()` (or `disposeBatch(batch)`, or `tf.dispose(batch)`) frees them all.
 */
export type Batch<T extends object = BatchTensors> = T & {
  /** Frees every tensor of the batch. */
  dispose(): void;
};

/**
 * The default shape of a batch: every key read as a `tf.Tensor` (what `listDataCollate` makes of
 * images, numbers and numeric arrays). Name the keys for precise types, from the items
 * (`DataLoader<CollatedBatch<{ image: MetaImage; id: number }, 3>>`: `image` is a `tf.Tensor5D`)
 * or directly (`DataLoader<{ image: tf.Tensor5D; image_meta_dict: CollatedMeta }>`).
 */
export type BatchTensors = { readonly [key: string]: tf.Tensor };

/** A collated `key_meta_dict`: each meta key as a list over the batch (`affine`: B Float64Array(16)). */
export type CollatedMeta = Record<string, unknown[]>;

/**
 * The batch tensor of images with `D` spatial axes: `[B, C, ...spatial]` or `[B, ...spatial, C]`
 * (the layout orders the axes, the rank is D + 2 either way): `tf.Tensor3D` for 1, `tf.Tensor4D`
 * for 2, `tf.Tensor5D` for 3, `tf.Tensor<tf.Rank.R6>` for 4; `tf.Tensor` when D is not known.
 */
export type ImageBatchTensor<D extends number = number> = D extends 1
  ? tf.Tensor3D
  : D extends 2
    ? tf.Tensor4D
    : D extends 3
      ? tf.Tensor5D
      : D extends 4
        ? tf.Tensor<tf.Rank.R6>
        : tf.Tensor;

/** A tensor of one rank more (tf.stack of item tensors); `tf.Tensor` when the item's rank is not known. */
export type StackedTensor<V extends tf.Tensor> = V extends tf.Tensor5D
  ? tf.Tensor<tf.Rank.R6>
  : V extends tf.Tensor4D
    ? tf.Tensor5D
    : V extends tf.Tensor3D
      ? tf.Tensor4D
      : V extends tf.Tensor2D
        ? tf.Tensor3D
        : V extends tf.Tensor1D
          ? tf.Tensor2D
          : V extends tf.Scalar
            ? tf.Tensor1D
            : tf.Tensor;

/**
 * What {@link listDataCollate} makes of one key whose item values have type `V` (images with `D`
 * spatial axes): a MetaImage → {@link ImageBatchTensor}; numbers and booleans → `tf.Tensor1D`;
 * numeric typed arrays → `tf.Tensor2D` `[B, n]`; tensors → stacked, one rank more; plain objects →
 * each key as a list; anything else → a list.
 */
export type CollatedValue<V, D extends number = number> = [V] extends [MetaImage]
  ? ImageBatchTensor<D>
  : [V] extends [number | boolean]
    ? tf.Tensor1D
    : [V] extends [NumericArray]
      ? tf.Tensor2D
      : [V] extends [tf.Tensor]
        ? StackedTensor<V>
        : [V] extends [readonly unknown[]]
          ? V[]
          : [V] extends [Record<string, unknown>]
            ? { [K in keyof V]: V[K][] }
            : V[];

/**
 * The batch {@link listDataCollate} makes from items of type `I` whose images have `D` spatial
 * axes: each key collated as {@link CollatedValue}, plus `key_meta_dict` for each MetaImage key
 * (unless the item already has one, which is collated as a plain object). Use it to type a loader
 * from the items its pipeline gives:
 *
 * @example
 * type Item = { image: MetaImage; label: MetaImage; id: number };
 * const loader = new DataLoader<CollatedBatch<Item, 3>>(ds, { batchSize: 2 });
 * for await (const b of loader) { b.image; b.id; b.image_meta_dict; b.dispose(); } // tf.Tensor5D, tf.Tensor1D, CollatedMeta
 */
export type CollatedBatch<I extends object, D extends number = number> = {
  readonly [K in keyof I]: CollatedValue<I[K], D>;
} & {
  readonly [
    K in keyof I as [I[K]] extends [MetaImage]
      ? `${K & string}${typeof META_DICT_SUFFIX}` extends keyof I
        ? never
        : `${K & string}${typeof META_DICT_SUFFIX}`
      : never
  ]: CollatedMeta;
};

/** Options every collate function receives from the DataLoader. */
export interface CollateOptions {
  /** Tensor layout of image keys: `'channelsLast'` (default, `[B, x, y, z, C]`) or `'channelsFirst'`. */
  layout?: TensorLayout;
}

/** A collate function: items (already flattened) → batch. */
export type CollateFn = (items: unknown[], options: CollateOptions) => unknown;

/** How a batch was made (read by `decollateBatch`). */
export interface BatchInfo {
  layout: TensorLayout;
  /** Keys whose tensors came from MetaImages (with a `_meta_dict`). */
  imageKeys: string[];
  /** Meta-dict keys this collate generated from MetaImages. */
  metaKeys: string[];
  size: number;
}

const BATCH_INFO = Symbol.for('csc-mlops.BatchInfo');

/** The collate information attached to a batch, if it is one. */
export function batchInfo(batch: unknown): BatchInfo | undefined {
  if (batch === null || typeof batch !== 'object') return undefined;
  return (batch as Record<symbol, BatchInfo | undefined>)[BATCH_INFO];
}

/** Frees every tensor in a batch (or any structure holding tensors). */
export function disposeBatch(batch: unknown): void {
  const tensors: tf.Tensor[] = [];
  collectTensors(batch, tensors, new Set());
  tf.dispose(tensors);
}

/**
 * The tensors in a structure, as `tf.dispose` finds them, but without walking typed arrays element
 * by element (they hold no tensors; a batch's meta has an affine per item) nor MetaImages.
 */
function collectTensors(v: unknown, out: tf.Tensor[], seen: Set<object>): void {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || seen.has(v)) return;
  seen.add(v);
  if (v instanceof tf.Tensor) out.push(v);
  else if (!MetaImage.isMetaImage(v)) for (const x of Object.values(v)) collectTensors(x, out, seen);
}

/** Suffix of the collated meta keys (MONAI's `*_meta_dict`). */
export const META_DICT_SUFFIX = '_meta_dict';

/**
 * MONAI's `list_data_collate`: lists from multi-sample transforms are flattened into the batch, then
 * each key is collated: MetaImages are stacked into one tensor (layout and tfjs dtype mapping as
 * `toTensor`; images of different dtypes promote to float32, or int32 if all are integers) plus a
 * `key_meta_dict`; numbers and booleans become 1-D tensors (int32 when all are integers, float32
 * otherwise, bool); equal-length numeric typed arrays become `[B, n]` tensors; tensors are stacked
 * (the item tensors are then disposed); everything else (strings, objects, lists) becomes a list —
 * plain objects are collated key by key into lists. Shapes that differ throw a DatasetError that
 * suggests `padListDataCollate`.
 *
 * @example
 * const batch = listDataCollate([item0, item1]); // batch.image: tf.Tensor5D [2, x, y, z, 1]
 * batch.dispose();
 */
export function listDataCollate<T extends object = BatchTensors>(
  items: unknown[],
  options: CollateOptions = {},
): Batch<T> {
  const layout = checkLayout(options.layout ?? 'channelsLast');
  const flat = flattenItems(items);
  if (flat.length === 0) throw new DatasetError('cannot collate an empty batch');
  const first = flat[0];
  const info: BatchInfo = { layout, imageKeys: [], metaKeys: [], size: flat.length };
  const made: tf.Tensor[] = [];
  try {
    if (isPlainObject(first)) {
      const batch: Record<string, unknown> = {};
      for (const key of Object.keys(first)) {
        const values = flat.map((d, b) => {
          if (!isPlainObject(d)) throw new DatasetError(`batch item ${b} is not a dictionary like item 0`);
          if (!(key in d))
            throw new DatasetError(
              `batch item ${b} has no key '${key}' (item 0 has it); all items of a batch need the same keys`,
            );
          return d[key];
        });
        const value = collateValues(values, layout, key, made);
        batch[key] = value;
        if (values.every((v) => MetaImage.isMetaImage(v))) {
          info.imageKeys.push(key);
          const mk = key + META_DICT_SUFFIX;
          if (!(mk in first)) {
            batch[mk] = collateMeta(values as MetaImage[]);
            info.metaKeys.push(mk);
          }
        }
      }
      return finishBatch(batch, info) as unknown as Batch<T>;
    } else {
      // items that are not dictionaries (e.g. MetaImages from array transforms): one value, as MONAI
      return collateValues(flat, layout, undefined, made) as Batch<T>;
    }
  } catch (e) {
    tf.dispose(made);
    throw e;
  }
}

/** Flattens lists returned by multi-sample transforms (each list contributes its items). */
export function flattenItems(items: unknown[]): unknown[] {
  return items.some((x) => Array.isArray(x)) ? items.flatMap((x) => (Array.isArray(x) ? x : [x])) : items;
}

function finishBatch<T extends object>(batch: T, info: BatchInfo): T & Batch {
  if (batch === null || typeof batch !== 'object') return batch as T & Batch;
  Object.defineProperty(batch, BATCH_INFO, { value: info, enumerable: false });
  Object.defineProperty(batch, 'dispose', {
    value: () => disposeBatch(batch),
    enumerable: false,
    writable: true,
  });
  return batch as T & Batch;
}

/** Attaches batch information (used by pad collate after padding). */
export function attachBatchInfo<T extends object>(batch: T, info: BatchInfo): T & Batch {
  return finishBatch(batch, info);
}

function collateValues(
  values: unknown[],
  layout: TensorLayout,
  key: string | undefined,
  made: tf.Tensor[],
): unknown {
  const where = key === undefined ? '' : ` for key '${key}'`;
  if (values.every((v) => MetaImage.isMetaImage(v))) {
    const t = stackImages(values as MetaImage[], layout, where);
    made.push(t);
    return t;
  }
  if (values.every((v) => typeof v === 'number')) {
    const nums = values as number[];
    const t = tf.tensor1d(
      nums,
      nums.every((x) => Number.isInteger(x) && Math.abs(x) < 2 ** 31) ? 'int32' : 'float32',
    );
    made.push(t);
    return t;
  }
  if (values.every((v) => typeof v === 'boolean')) {
    const t = tf.tensor1d(
      values.map((v) => (v ? 1 : 0)),
      'bool',
    );
    made.push(t);
    return t;
  }
  if (values.every((v) => isNumericArray(v))) {
    const arrays = values as NumericArray[];
    const n = arrays[0]!.length;
    if (arrays.some((a) => a.length !== n))
      throw new DatasetError(
        `arrays of different lengths${where} (${arrays.map((a) => a.length).join(', ')}) cannot be stacked`,
      );
    const isFloat = arrays.some((a) => a instanceof Float32Array || a instanceof Float64Array);
    const dtype: TensorDType = isFloat ? 'float32' : 'int32';
    const out = allocTensorArray(dtype, n * arrays.length);
    arrays.forEach((a, b) => writeTensorData(a, [1, n], 'channelsFirst', out, b * n, false));
    const t = tf.tensor2d(out, [arrays.length, n], dtype);
    made.push(t);
    return t;
  }
  if (values.every((v) => v instanceof tf.Tensor)) {
    const ts = values as tf.Tensor[];
    let t: tf.Tensor;
    try {
      t = tf.stack(ts);
    } catch (e) {
      throw new DatasetError(
        `tensors${where} cannot be stacked (${ts.map((x) => `[${x.shape.join(', ')}]`).join(', ')}): ${String(e)}`,
      );
    }
    made.push(t);
    tf.dispose(ts);
    return t;
  }
  if (values.every((v) => isPlainObject(v))) {
    const out: Record<string, unknown[]> = {};
    const keys = new Set<string>();
    for (const v of values as Record<string, unknown>[]) for (const k of Object.keys(v)) keys.add(k);
    for (const k of keys) out[k] = (values as Record<string, unknown>[]).map((v) => v[k]);
    return out;
  }
  return [...values];
}

function stackImages(images: MetaImage[], layout: TensorLayout, where: string): tf.Tensor {
  const shape = images[0]!.shape;
  for (const img of images)
    if (img.shape.length !== shape.length || img.shape.some((s, i) => s !== shape[i]))
      throw new DatasetError(
        `images${where} have different shapes (${images.map((m) => `[${m.shape.join(', ')}]`).join(', ')}) and cannot be stacked; ` +
          'crop or resize them to one size in the pipeline, or use collate: padListDataCollate to pad each batch to its largest image',
      );
  const dtypes = new Set(images.map((m) => tensorDTypeOf(m.dtype)));
  const dtype: TensorDType =
    dtypes.size === 1
      ? (dtypes.values().next().value as TensorDType)
      : dtypes.has('float32')
        ? 'float32'
        : 'int32';
  const n = images[0]!.size;
  const out = batchBuffer(dtype, n * images.length);
  images.forEach((img, b) => writeImage(img, layout, out, b * n, dtype === 'bool'));
  return tf.tensor(out, [images.length, ...layoutShape(shape, layout)], dtype);
}

/**
 * The buffer of a stacked image batch. Every element is written by {@link writeImage}, so float32
 * and int32 buffers are left uninitialised (`Buffer.allocUnsafeSlow`, where Node provides it):
 * freed batch memory is then reused without being zeroed first, which saves about 1 ms of a p2
 * cached epoch (32 MiB) on a 2-core machine (`benchmarks/pipeline.ts`).
 */
function batchBuffer(dtype: TensorDType, length: number): TensorArray {
  if (dtype === 'bool' || typeof Buffer !== 'function') return allocTensorArray(dtype, length);
  const bytes = Buffer.allocUnsafeSlow(length * 4).buffer;
  return dtype === 'float32' ? new Float32Array(bytes, 0, length) : new Int32Array(bytes, 0, length);
}

/**
 * Writes one image into the batch buffer. An unread crop is copied once, straight from its source
 * into the buffer (the channel axis moved last by its stride): element assignment converts as
 * `writeTensorData` does (float64 → float32 rounds; → int32 truncates, wraps, NaN/±∞ → 0). Bool
 * outputs and read images go through `writeTensorData`.
 */
function writeImage(img: MetaImage, layout: TensorLayout, out: TensorArray, at: number, bool: boolean): void {
  const r = pendingRegion(img);
  if (!r || bool) {
    writeTensorData(img.data, img.shape, layout, out, at, bool);
    return;
  }
  const last = layout === 'channelsLast' && img.shape.length >= 2;
  const shape = last ? [...img.shape.slice(1), img.shape[0] as number] : img.shape;
  const strides = last ? [...r.strides.slice(1), r.strides[0] as number] : r.strides;
  stridedCopy(r.src, out, shape, strides, r.offset, at);
}

/**
 * Collated meta of a list of images (MONAI's MetaTensor collate): `affine` as B `Float64Array(16)`,
 * `applied_operations` per item, and every meta key as a list over the items (`undefined` where an
 * item lacks it).
 */
export function collateMeta(images: MetaImage[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  const keys: string[] = [];
  for (const img of images) for (const k of Object.keys(img.meta)) if (!keys.includes(k)) keys.push(k);
  for (const k of keys)
    out[k] = images.map((img) => {
      const v = img.meta[k];
      return ArrayBuffer.isView(v) ? (v as Float64Array).slice() : Array.isArray(v) ? v.slice() : v;
    });
  out.affine = images.map((img) => img.affine.slice());
  out.applied_operations = images.map((img) => copyTrace(img.appliedOperations));
  return out;
}

function isNumericArray(v: unknown): boolean {
  return (
    ArrayBuffer.isView(v) &&
    !(v instanceof DataView) &&
    !(v instanceof BigInt64Array) &&
    !(v instanceof BigUint64Array)
  );
}
