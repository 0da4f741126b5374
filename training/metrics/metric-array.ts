/** Plain-array plumbing of the metrics: results are computed on typed arrays, channel-first. */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { TrainingShapeError } from '../training-error.js';

/** A C-order float32 array and its shape (a metric result or buffer). */
export interface MetricArray {
  data: Float32Array;
  shape: number[];
}

/**
 * A batched tensor's values read once, seen channel-first without moving them: value `(b, c, v)` (v the
 * C-order spatial index) is `data[offset(b, c) + v * stride]` in either layout.
 */
export interface BatchView {
  data: ArrayLike<number>;
  /** Channel-first shape `[B, C, spatial…]` (`[B]` / `[B, C]` for rank 1 / 2 tensors). */
  shape: number[];
  /** Number of spatial positions per item and channel. */
  size: number;
  /** Step between consecutive spatial positions. */
  stride: number;
  /** Where `(b, c, 0)` is. */
  offset(b: number, c: number): number;
}

/** Reads a tensor `[B, spatial…, C]` (channels-last) or `[B, C, spatial…]` into a {@link BatchView}. */
export async function readBatch(t: tf.Tensor, layout: TensorLayout): Promise<BatchView> {
  const data = (await t.data()) as ArrayLike<number>;
  const b = t.shape[0] as number;
  if (t.rank < 3) {
    const c = (t.shape[1] as number | undefined) ?? 1;
    return { data, shape: [...t.shape], size: 1, stride: 1, offset: (i, ch) => i * c + ch };
  }
  const last = layout === 'channelsLast';
  const c = (last ? t.shape[t.rank - 1] : t.shape[1]) as number;
  const spatial = last ? t.shape.slice(1, -1) : t.shape.slice(2);
  const size = spatial.reduce((a, d) => a * d, 1);
  return last
    ? { data, shape: [b, c, ...spatial], size, stride: c, offset: (i, ch) => i * size * c + ch }
    : { data, shape: [b, c, ...spatial], size, stride: 1, offset: (i, ch) => (i * c + ch) * size };
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
