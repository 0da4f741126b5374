import * as tf from '@tensorflow/tfjs-core';
import { channelAxis, spatialAxes } from '../layout.js';
import { TrainingShapeError } from '../training-error.js';
import { DiceLoss } from './dice-loss.js';

/**
 * MONAI's `MaskedDiceLoss`: `input` and `target` are multiplied by a binary `mask` (1 channel, batch 1
 * or B) before the Dice loss — before the activation too, as MONAI does, so masked logits become 0.
 * Without a mask it is DiceLoss.
 */
export class MaskedDiceLoss extends DiceLoss {
  /** Dice loss restricted to `mask` (same layout, `[B|1, spatial…, 1]` channels-last). */
  override forward(input: tf.Tensor, target: tf.Tensor, mask?: tf.Tensor): tf.Tensor {
    if (mask === undefined) return super.forward(input, target);
    const ca = channelAxis(input.rank, this.layout);
    const sp = spatialAxes(input.rank, this.layout);
    if (
      mask.rank !== input.rank ||
      (mask.shape[0] !== input.shape[0] && mask.shape[0] !== 1) ||
      mask.shape[ca] !== 1 ||
      sp.some((a) => mask.shape[a] !== input.shape[a])
    )
      throw new TrainingShapeError(
        'MaskedDiceLoss',
        `mask must have 1 channel, batch 1 or ${input.shape[0]} and the input's spatial size; ` +
          `got [${mask.shape}] for input [${input.shape}] (${this.layout})`,
      );
    return tf.tidy(() => this.dice(tf.mul(input, mask), tf.mul(target, mask)));
  }
}
