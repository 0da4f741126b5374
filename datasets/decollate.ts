import * as tf from '@tensorflow/tfjs-core';
import {
  type TensorLayout,
  channelFirstShape,
  checkLayout,
  readTensorData,
} from '../src/backend/tensor-data.js';
import { DatasetError } from '../src/errors.js';
import { type AppliedOperation, type ImageMeta, MetaImage, copyTrace } from '../src/image/meta-image.js';
import { META_DICT_SUFFIX, batchInfo } from './collate.js';
import { isPlainObject } from './item-values.js';

/** Options of {@link decollateBatch}. */
export interface DecollateOptions {
  /** Layout of the batch's image tensors (default: the one recorded by collate, else `'channelsLast'`). */
  layout?: TensorLayout;
  /** Pad shorter lists with `fillValue` (MONAI `pad`, default true); otherwise a short list is an error. */
  pad?: boolean;
  /** Value for missing list entries (default undefined). */
  fillValue?: unknown;
}

type Reader = (b: number) => unknown;

/**
 * MONAI's `decollate_batch`: splits a batch into per-item data. Image tensors (keys with a
 * `_meta_dict`, or any tensor of rank ≥ 3 such as a model's prediction) become channel-first
 * MetaImages (float32, int32 or bool) with their affine, meta and `applied_operations`; rank-1 tensors
 * become numbers, rank-2 tensors typed arrays; lists give their b-th entry; dictionaries are split key
 * by key. The batch is not disposed.
 *
 * @example
 * const items = await decollateBatch({ ...batch, pred: model.predict(batch.image) });
 * items[0].pred; // MetaImage [C, x, y, z] with the input's affine
 */
export async function decollateBatch(batch: unknown, options: DecollateOptions = {}): Promise<unknown[]> {
  const info = batchInfo(batch);
  const layout = checkLayout(options.layout ?? info?.layout ?? 'channelsLast');
  if (batch instanceof tf.Tensor) {
    const read = await tensorReader(batch, layout, undefined);
    return Array.from({ length: batch.shape[0] ?? 0 }, (_, b) => read(b));
  }
  if (Array.isArray(batch)) return [...batch];
  if (!isPlainObject(batch))
    throw new DatasetError(
      'decollateBatch expects a batch (a dictionary from a DataLoader), a tensor or a list',
    );
  const size = info?.size ?? batchSize(batch);
  if (size === undefined) return [];
  const skip = new Set(info?.metaKeys ?? []);
  const readers: [string, Reader][] = [];
  for (const [key, v] of Object.entries(batch)) {
    if (skip.has(key)) continue;
    const metaDict = batch[key + META_DICT_SUFFIX];
    readers.push([
      key,
      await valueReader(v, layout, isPlainObject(metaDict) ? metaDict : undefined, key, size, options),
    ]);
  }
  return Array.from({ length: size }, (_, b) => Object.fromEntries(readers.map(([k, read]) => [k, read(b)])));
}

function batchSize(batch: Record<string, unknown>): number | undefined {
  for (const v of Object.values(batch)) {
    if (v instanceof tf.Tensor) return v.shape[0];
    if (Array.isArray(v)) return v.length;
  }
  return undefined;
}

async function valueReader(
  v: unknown,
  layout: TensorLayout,
  meta: Record<string, unknown> | undefined,
  key: string,
  size: number,
  options: DecollateOptions,
): Promise<Reader> {
  if (v instanceof tf.Tensor) return tensorReader(v, layout, meta);
  if (Array.isArray(v)) {
    if (v.length < size && options.pad === false)
      throw new DatasetError(
        `'${key}' has ${v.length} entries for a batch of ${size} (pass pad: true to fill them)`,
      );
    return (b) => (b < v.length ? v[b] : options.fillValue);
  }
  if (isPlainObject(v)) {
    const inner: [string, Reader][] = [];
    for (const [k, x] of Object.entries(v))
      inner.push([k, await valueReader(x, layout, undefined, `${key}.${k}`, size, options)]);
    return (b) => Object.fromEntries(inner.map(([k, read]) => [k, read(b)]));
  }
  return () => v;
}

async function tensorReader(
  t: tf.Tensor,
  layout: TensorLayout,
  meta: Record<string, unknown> | undefined,
): Promise<Reader> {
  if (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool')
    throw new DatasetError(`cannot decollate a ${t.dtype} tensor`);
  const values = (await t.data()) as Float32Array | Int32Array | Uint8Array;
  const rank = t.rank;
  if (rank <= 1) return (b) => (t.dtype === 'bool' ? values[b] === 1 : values[b]);
  const itemShape = t.shape.slice(1);
  const n = itemShape.reduce((a, b) => a * b, 1);
  if (rank === 2 && !meta) return (b) => values.slice(b * n, (b + 1) * n);
  const shape = channelFirstShape(itemShape, layout);
  return (b) => {
    const data = readTensorData(values, shape, layout, b * n);
    const m: ImageMeta = {};
    let affine: Float64Array | undefined;
    let ops: AppliedOperation[] = [];
    if (meta) {
      for (const [k, list] of Object.entries(meta)) {
        const x = Array.isArray(list) ? list[b] : undefined;
        if (k === 'affine') affine = x instanceof Float64Array ? x.slice() : undefined;
        else if (k === 'applied_operations') ops = Array.isArray(x) ? copyTrace(x as AppliedOperation[]) : [];
        else if (x !== undefined)
          m[k] = ArrayBuffer.isView(x) ? (x as Float64Array).slice() : Array.isArray(x) ? x.slice() : x;
      }
    }
    return new MetaImage({
      data,
      shape,
      dtype: t.dtype === 'bool' ? 'bool' : t.dtype === 'int32' ? 'int32' : 'float32',
      affine,
      meta: m,
      appliedOperations: ops,
    });
  };
}
