/** Plain-array plumbing of the metrics: results are computed on typed arrays, channel-first. */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { TrainingShapeError } from '../training-error.js';

/** A C-order float32 array and its shape (a metric result or buffer). */
export interface MetricArray {
  data: Float32Array;
  shape: number[];
}

/** Reads a batched tensor `[B, spatial…, C]` / `[B, C, spatial…]` into a channel-first `[B, C, spatial…]` array. */
export async function readChannelFirst(t: tf.Tensor, layout: TensorLayout): Promise<MetricArray> {
  const values = await t.data();
  const src = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  if (layout === 'channelsFirst' || t.rank < 3) return { data: src, shape: [...t.shape] };
  const b = t.shape[0] as number;
  const c = t.shape[t.rank - 1] as number;
  const spatial = t.shape.slice(1, -1);
  const s = spatial.reduce((a, d) => a * d, 1);
  const out = new Float32Array(src.length);
  for (let i = 0; i < b; i++)
    for (let v = 0; v < s; v++) {
      const from = (i * s + v) * c;
      for (let ch = 0; ch < c; ch++) out[(i * c + ch) * s + v] = src[from + ch] as number;
    }
  return { data: out, shape: [b, c, ...spatial] };
}

/** Checks a prediction/label pair for a segmentation metric: rank ≥ 3, same batch and spatial size. */
export function checkPair(component: string, yPred: tf.Tensor, y: tf.Tensor, layout: TensorLayout): void {
  if (yPred.rank < 3)
    throw new TrainingShapeError(
      component,
      `y_pred should have at least 3 dimensions (batch, spatial…, channel), got shape [${yPred.shape}]`,
    );
  const sp = (t: tf.Tensor) =>
    layout === 'channelsLast' ? t.shape.slice(0, -1) : [t.shape[0], ...t.shape.slice(2)];
  if (y.rank !== yPred.rank || sp(y).join() !== sp(yPred).join())
    throw new TrainingShapeError(
      component,
      `y_pred [${yPred.shape}] and y [${y.shape}] must have the same batch and spatial size (${layout})`,
    );
}

/** Concatenates buffered results along axis 0 (MONAI's `get_buffer`). */
export function concatBatches(component: string, parts: readonly MetricArray[]): MetricArray {
  if (parts.length === 0)
    throw new TrainingShapeError(
      component,
      'nothing to aggregate: call the metric on at least one batch first',
    );
  const rest = (parts[0] as MetricArray).shape.slice(1);
  let b = 0;
  for (const p of parts) {
    if (p.shape.slice(1).join() !== rest.join())
      throw new TrainingShapeError(
        component,
        `buffered results of shapes [${rest}] and [${p.shape.slice(1)}] cannot be stacked`,
      );
    b += p.shape[0] as number;
  }
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p.data, o);
    o += p.data.length;
  }
  return { data, shape: [b, ...rest] };
}

/** A new tensor (owned by the caller) holding a metric array. */
export function toTensor(a: MetricArray): tf.Tensor {
  return tf.tensor(a.data, a.shape, 'float32');
}
