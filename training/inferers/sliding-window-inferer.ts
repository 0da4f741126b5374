import type * as tf from '@tensorflow/tfjs-core';
import { TrainingError } from '../training-error.js';
import { rejectUnknownOptions } from '../options.js';
import { checkPaddingMode } from './pad-spatial.js';
import {
  SLIDING_WINDOW_OPTIONS,
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
    rejectUnknownOptions('SlidingWindowInferer', options, [
      'roiSize',
      'swBatchSize',
      ...SLIDING_WINDOW_OPTIONS,
    ]);
    const roi = typeof options.roiSize === 'number' ? [options.roiSize] : options.roiSize;
    if (!Array.isArray(roi) || roi.length === 0 || roi.some((r) => !Number.isInteger(r)))
      throw new TrainingError(
        'SlidingWindowInferer',
        `roiSize must be integers, got ${JSON.stringify(options.roiSize)}`,
      );
    const overlap = options.overlap ?? 0.25;
    if ((typeof overlap === 'number' ? [overlap] : overlap).some((v) => !(v >= 0 && v < 1)))
      throw new TrainingError(
        'SlidingWindowInferer',
        `overlap must be in [0, 1), got ${JSON.stringify(overlap)}`,
      );
    if (options.mode !== undefined && options.mode !== 'constant' && options.mode !== 'gaussian')
      throw new TrainingError(
        'SlidingWindowInferer',
        `mode must be 'constant' or 'gaussian', got ${JSON.stringify(options.mode)}`,
      );
    if (options.paddingMode !== undefined) checkPaddingMode(options.paddingMode);
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
