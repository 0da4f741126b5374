import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import { DatasetError } from '../src/errors.js';
import { disposeBatch } from './collate.js';

/** Which batch keys feed the model: one key, a list (array of tensors), or input name → key. */
export type TfKeys = string | readonly string[] | Readonly<Record<string, string>>;

/** Options of `DataLoader.toTfDataset`. */
export interface TfDatasetOptions {
  /** Model inputs. */
  xs: TfKeys;
  /** Targets. */
  ys: TfKeys;
}

/** What `DataLoader.toTfDataset` returns: a `tf.data.Dataset` of `{ xs, ys }` batches. */
export type TfDataset = tfd.Dataset<{ xs: tf.TensorContainer; ys: tf.TensorContainer }>;

interface LoaderLike {
  readonly length: number;
  [Symbol.asyncIterator](): AsyncIterator<object>;
}

function pick(
  batch: Record<string, unknown>,
  keys: TfKeys,
  role: string,
): { value: tf.TensorContainer; used: tf.Tensor[] } {
  const get = (k: string): tf.Tensor => {
    const v = batch[k];
    if (!(v instanceof tf.Tensor))
      throw new DatasetError(
        `${role} key '${k}' is ${k in batch ? 'not a tensor in the batch' : 'not in the batch'} (batch keys: ${Object.keys(batch).join(', ')})`,
      );
    return v;
  };
  if (typeof keys === 'string') {
    const t = get(keys);
    return { value: t, used: [t] };
  }
  if (Array.isArray(keys)) {
    const ts = (keys as readonly string[]).map(get);
    return { value: ts, used: ts };
  }
  const out: Record<string, tf.Tensor> = {};
  for (const [name, k] of Object.entries(keys as Record<string, string>)) out[name] = get(k);
  return { value: out, used: Object.values(out) };
}

/**
 * Builds the `tf.data.Dataset` over a loader (see `DataLoader.toTfDataset`): each `iterator()` runs
 * one loader epoch (closing an epoch a consumer left unfinished, e.g. after `take`, and so
 * disposing what it had prepared); `size` is the loader's number of batches.
 */
export function makeTfDataset(loader: LoaderLike, options: TfDatasetOptions): TfDataset {
  if (!options || options.xs === undefined || options.ys === undefined)
    throw new DatasetError('toTfDataset needs { xs, ys }: the batch keys of the model inputs and targets');
  // tfjs-data never tells an iterator that its consumer stopped (take, stopTraining): the epoch
  // left open is closed when the next starts, which disposes the batches it had prepared
  let open: AsyncIterator<object> | undefined;
  const epoch = (): AsyncIterator<{ xs: tf.TensorContainer; ys: tf.TensorContainer }> => {
    const closing = open?.return?.();
    const it = loader[Symbol.asyncIterator]();
    open = it;
    return {
      async next() {
        await closing;
        const r = await it.next();
        if (r.done) return { done: true, value: undefined };
        const batch = r.value as Record<string, unknown>;
        try {
          const xs = pick(batch, options.xs, 'xs');
          const ys = pick(batch, options.ys, 'ys');
          const keep = new Set([...xs.used, ...ys.used]);
          const rest = Object.values(batch).filter((v) => v instanceof tf.Tensor && !keep.has(v));
          tf.dispose(rest as tf.Tensor[]);
          return { done: false, value: { xs: xs.value, ys: ys.value } };
        } catch (e) {
          disposeBatch(batch);
          await it.return?.();
          throw e;
        }
      },
      async return() {
        await it.return?.();
        return { done: true, value: undefined };
      },
    };
  };
  const ds = tfd.generator(epoch);
  // a generator's size is unknown to tfjs-data; the loader knows its number of batches
  Object.defineProperty(ds, 'size', { get: () => loader.length, enumerable: true });
  return ds;
}
