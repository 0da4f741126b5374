import type * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { type MetricArray, concatBatches, toTensor } from './metric-array.js';

/**
 * Pixel spacing of a call (MONAI's `spacing` keyword): one number for every axis, one number per
 * spatial axis (X, Y(, Z) in both layouts), or one such array per batch item.
 */
export type MetricSpacing = number | readonly number[] | readonly (readonly number[])[];

/** Keyword arguments of a metric call. */
export interface MetricCallOptions {
  /** Voxel spacing for distance metrics (only the euclidean distance uses it, as in MONAI). */
  spacing?: MetricSpacing;
}

/**
 * MONAI's `CumulativeIterationMetric`: `await m.call(yPred, y)` computes the batch's result, keeps a
 * copy in the buffer and returns it as a new tensor (the caller disposes it); `await m.aggregate()`
 * reduces everything buffered since the last `reset()`. The buffer holds plain typed arrays, never
 * tensors, so a metric owns no tfjs memory.
 */
export abstract class CumulativeMetric {
  /** Layout of `yPred` and `y`. */
  abstract readonly layout: TensorLayout;
  private buffer: MetricArray[] = [];

  /** The per-batch result (e.g. `(B, C)`), also buffered for {@link aggregate}. */
  async call(yPred: tf.Tensor, y: tf.Tensor, options: MetricCallOptions = {}): Promise<tf.Tensor> {
    const r = await this.compute(yPred, y, options);
    this.buffer.push(r);
    return toTensor(r);
  }

  /** Empties the buffer. */
  reset(): void {
    this.buffer = [];
  }

  /** Reduces the buffered results. */
  abstract aggregate(): Promise<tf.Tensor | tf.Tensor[] | (tf.Tensor | tf.Tensor[])[]>;

  /** One batch's result. */
  protected abstract compute(
    yPred: tf.Tensor,
    y: tf.Tensor,
    options: MetricCallOptions,
  ): Promise<MetricArray>;

  /** Everything buffered, concatenated along the batch axis. */
  protected buffered(): MetricArray {
    return concatBatches(this.constructor.name, this.buffer);
  }
}
