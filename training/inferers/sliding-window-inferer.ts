import type * as tf from '@tensorflow/tfjs-core';
import { TrainingError } from '../training-error.js';
import {
  slidingWindowInference,
  type Predictor,
  type SlidingWindowOptions,
} from './sliding-window-inference.js';

/** Options of {@link SlidingWindowInferer}: MONAI's constructor arguments in camelCase. */
export interface SlidingWindowInfererOptions extends SlidingWindowOptions {
  /** Window size per spatial axis (a non-positive entry means the whole axis). */
  roiSize: readonly number[] | number;
  /** Windows per predictor call (default 1). */
  swBatchSize?: number;
}

/**
 * MONAI's `SlidingWindowInferer`: the options of {@link slidingWindowInference} kept once, applied to
 * each input with `await inferer.call(inputs, network)`.
 *
 * @example
 * const inferer = new SlidingWindowInferer({ roiSize: [96, 96, 96], swBatchSize: 4, overlap: 0.5 });
 * const logits = await inferer.call(volume, model);
 */
export class SlidingWindowInferer {
  /** The options, with MONAI's defaults filled in. */
  readonly options: Readonly<SlidingWindowInfererOptions & { swBatchSize: number }>;

  constructor(options: SlidingWindowInfererOptions) {
    const swBatchSize = options.swBatchSize ?? 1;
    if (!Number.isInteger(swBatchSize) || swBatchSize < 1)
      throw new TrainingError(
        'SlidingWindowInferer',
        `swBatchSize must be a positive integer, got ${swBatchSize}`,
      );
    this.options = { ...options, swBatchSize };
  }

  /** Runs sliding-window inference of `network` over `inputs` (not disposed); returns a new tensor. */
  call(inputs: tf.Tensor, network: Predictor): Promise<tf.Tensor> {
    const { roiSize, swBatchSize, ...rest } = this.options;
    return slidingWindowInference(inputs, roiSize, swBatchSize, network, rest);
  }
}
