import type * as tf from '@tensorflow/tfjs-core';

/**
 * Adapts a loss to `model.compile({ loss })` of tfjs-layers, which calls `(yTrue, yPred)`: the result
 * calls `loss.forward(yPred, yTrue)`. tfjs-layers checks that targets have the model output's shape,
 * so give one-hot targets (not `toOnehotY` class indices) to `model.fit`.
 *
 * @example
 * model.compile({ optimizer: 'adam', loss: kerasLoss(new DiceCELoss({ softmax: true })) });
 */
export function kerasLoss(loss: {
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor;
}): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  return (yTrue, yPred) => loss.forward(yPred, yTrue);
}
