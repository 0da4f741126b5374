import * as tf from '@tensorflow/tfjs-core';
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

/** The part of a `tf.data.Dataset` that `model.fitDataset` / `evaluateDataset` use. */
export interface TfDatasetLike {
  /** Batches per epoch (fitDataset's steps per epoch). */
  readonly size: number;
  /** Starts one epoch. */
  iterator(): Promise<{
    next(): Promise<IteratorResult<{ xs: tf.TensorContainer; ys: tf.TensorContainer }>>;
    return?(): Promise<IteratorResult<unknown>>;
  }>;
}

interface LoaderLike {
  readonly length: number;
  [Symbol.asyncIterator](): AsyncIterator<any>;
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

/** Builds the fitDataset adapter over a loader (see `DataLoader.toTfDataset`). */
export function makeTfDataset(loader: LoaderLike, options: TfDatasetOptions): TfDatasetLike {
  if (!options || options.xs === undefined || options.ys === undefined)
    throw new DatasetError('toTfDataset needs { xs, ys }: the batch keys of the model inputs and targets');
  return {
    get size() {
      return loader.length;
    },
    async iterator() {
      const it = loader[Symbol.asyncIterator]();
      return {
        async next() {
          const r = await it.next();
          if (r.done) return { done: true, value: undefined as never };
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
    },
  };
}
