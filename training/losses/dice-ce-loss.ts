import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { channelAxis } from '../layout.js';
import { numberOption, rejectUnknownOptions } from '../options.js';
import { TrainingShapeError } from '../training-error.js';
import {
  DICE_LOSS_KEYS,
  type DiceLossOptions,
  type DiceSettings,
  diceLoss,
  parseDiceOptions,
} from './dice-loss.js';
import { Loss } from './loss.js';
import { checkRanks, classWeights } from './segmentation-inputs.js';
import { channelVector, logSoftmaxAxis, oneHotLayout } from './tensor-ops.js';

/** Options of {@link DiceCELoss}: DiceLoss's (without `reduction: 'none'`) plus the CE part's. */
export interface DiceCELossOptions extends Omit<DiceLossOptions, 'reduction'> {
  /** `'mean'` (default) or `'sum'`, for both parts (MONAI has no `'none'` here). */
  reduction?: 'mean' | 'sum';
  /** Factor on the Dice part (≥ 0). Default 1. */
  lambdaDice?: number;
  /** Factor on the cross-entropy part (≥ 0). Default 1. */
  lambdaCe?: number;
  /** Label smoothing of the cross entropy, in [0, 1]. Default 0. */
  labelSmoothing?: number;
}

const KEYS = [...DICE_LOSS_KEYS, 'lambdaDice', 'lambdaCe', 'labelSmoothing'] as const;

/**
 * MONAI's `DiceCELoss`: `lambdaDice · DiceLoss + lambdaCe · CrossEntropy`. The CE part (torch's
 * `CrossEntropyLoss(weight, reduction, label_smoothing)`) takes class indices when the target has one
 * channel and the input more, the target as class probabilities otherwise; with a 1-channel input it is
 * `BCEWithLogitsLoss(pos_weight = weight)`. The CE part always sees the raw logits and every channel.
 *
 * @example
 * const loss = new DiceCELoss({ toOnehotY: true, softmax: true });
 * const grads = tf.grads((x) => loss.forward(x, labels))([logits]);
 */
export class DiceCELoss extends Loss {
  readonly layout: TensorLayout;
  private readonly dice: DiceSettings;
  private readonly lambdaDice: number;
  private readonly lambdaCe: number;
  private readonly labelSmoothing: number;

  constructor(options: DiceCELossOptions = {}) {
    super();
    rejectUnknownOptions('DiceCELoss', options, KEYS);
    this.dice = parseDiceOptions('DiceCELoss', options, ['mean', 'sum']);
    this.lambdaDice = numberOption('DiceCELoss', 'lambdaDice', options.lambdaDice, 1, 0);
    this.lambdaCe = numberOption('DiceCELoss', 'lambdaCe', options.lambdaCe, 1, 0);
    this.labelSmoothing = numberOption('DiceCELoss', 'labelSmoothing', options.labelSmoothing, 0, 0, 1);
    this.layout = this.dice.layout;
  }

  /** The combined loss (a scalar). */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    checkRanks('DiceCELoss', input, target);
    const axis = channelAxis(input.rank, this.layout);
    const nPred = input.shape[axis] as number;
    const nTarget = target.shape[axis] as number;
    if (nTarget !== 1 && nTarget !== nPred)
      throw new TrainingShapeError(
        'DiceCELoss',
        `the target has ${nTarget} channels: give 1 (class indices) or ${nPred} (one-hot), shape [${target.shape}] (${this.layout})`,
      );
    return tf.tidy(() => {
      const dice = diceLoss('DiceCELoss', this.dice, input, target);
      const ce = nPred === 1 ? this.bce(input, target) : this.ce(input, target, axis, nPred, nTarget);
      return tf.add(tf.mul(this.lambdaDice, dice), tf.mul(this.lambdaCe, ce));
    });
  }

  private ce(input: tf.Tensor, target: tf.Tensor, axis: number, nPred: number, nTarget: number): tf.Tensor {
    const mean = this.dice.reduction === 'mean';
    const eps = this.labelSmoothing;
    const logp = logSoftmaxAxis(input, axis);
    const w =
      this.dice.weight === undefined
        ? undefined
        : channelVector(classWeights('DiceCELoss', this.dice.weight, nPred), input.rank, this.layout);
    const weighted = w ? tf.mul(logp, w) : logp;
    if (nTarget === 1) {
      // class indices: torch's nll_loss, normalised by the summed weight of the target classes
      const onehot = oneHotLayout(target, nPred, this.layout);
      const nll = tf.neg(tf.sum(tf.mul(onehot, weighted)));
      const norm = mean ? (w ? tf.sum(tf.mul(onehot, w)) : tf.scalar(onehot.size / nPred)) : tf.scalar(1);
      let loss = tf.div(nll, norm);
      if (eps > 0) {
        const smooth = tf.div(tf.neg(tf.sum(weighted)), norm);
        loss = tf.add(tf.mul(1 - eps, loss), tf.mul(eps / nPred, smooth));
      }
      return loss;
    }
    // class probabilities: -Σ w·y·log p per element, mean over the B·spatial elements
    const y = eps > 0 ? tf.add(tf.mul(target, 1 - eps), eps / nPred) : target;
    const total = tf.neg(tf.sum(tf.mul(y, weighted)));
    return mean ? tf.div(total, input.size / nPred) : total;
  }

  private bce(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    // torch's BCEWithLogitsLoss: (1 − t)·x + (1 + (pw − 1)·t)·(log(1 + e^−|x|) + max(−x, 0))
    const softplusNeg = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(input)))), tf.relu(tf.neg(input)));
    const pw =
      this.dice.weight === undefined ? undefined : classWeights('DiceCELoss', this.dice.weight, 1)[0];
    const logWeight = pw === undefined ? undefined : tf.add(tf.mul(pw - 1, target), 1);
    const el = tf.add(
      tf.mul(tf.sub(1, target), input),
      logWeight ? tf.mul(logWeight, softplusNeg) : softplusNeg,
    );
    return this.dice.reduction === 'mean' ? tf.mean(el) : tf.sum(el);
  }
}
