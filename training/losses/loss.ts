import type * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';

/** MONAI's loss reductions: `'mean'` and `'sum'` give a scalar, `'none'` MONAI's unreduced shape. */
export type LossReduction = 'none' | 'mean' | 'sum';

/** A function of tensors that some loss options take (MONAI's `other_act`, e.g. `(x) => tf.tanh(x)`). */
export type TensorActivation = (x: tf.Tensor) => tf.Tensor;

/**
 * A loss on tfjs tensors in MONAI's argument order: `forward(input, target)` is synchronous and
 * builds its result from tf ops, so it can be used inside `tf.grad`, `optimizer.minimize` or
 * `tf.variableGrads`. The caller owns (and disposes) the returned tensor; intermediates are freed.
 */
export abstract class Loss {
  /** Layout of `input` and `target`: `'channelsLast'` `[B, X, Y(, Z), C]` or `'channelsFirst'`. */
  abstract readonly layout: TensorLayout;
  /** The loss of `input` (logits or probabilities, per the options) against `target`. */
  abstract forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor;
}
