import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { channelAxis, spatialAxes } from '../layout.js';
import { boolOption, enumOption, layoutOption, numberOption, rejectUnknownOptions } from '../options.js';
import { TrainingOptionError } from '../training-error.js';
import { Loss, type LossReduction } from './loss.js';
import { classWeights, prepareSegmentation, weightOption } from './segmentation-inputs.js';
import { channelVector, logSigmoid, logSoftmaxAxis } from './tensor-ops.js';

/** Options of {@link FocalLoss} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface FocalLossOptions {
  /** Keep channel 0 (background). Default true. */
  includeBackground?: boolean;
  /** Turn a 1-channel class-index target into one-hot. Default false. */
  toOnehotY?: boolean;
  /** Focusing exponent. Default 2. */
  gamma?: number;
  /** Balancing factor in [0, 1]: sigmoid: α for positives, 1 − α for negatives; softmax: 1 − α for the background, α for the rest. */
  alpha?: number;
  /** Per-class factor: one number, or one per class (after dropping the background). */
  weight?: number | number[];
  /** `'mean'` (default), `'sum'` (of the per-class spatial means, as MONAI) or `'none'` (element-wise, input's shape). */
  reduction?: LossReduction;
  /** Softmax focal loss over the channels instead of the sigmoid focal loss of each channel. Default false. */
  useSoftmax?: boolean;
  /** Layout of input and target. Default `'channelsLast'`. */
  layout?: TensorLayout;
}

/** Option names of {@link FocalLossOptions}. */
export const FOCAL_LOSS_KEYS = [
  'includeBackground',
  'toOnehotY',
  'gamma',
  'alpha',
  'weight',
  'reduction',
  'useSoftmax',
  'layout',
] as const;

/** Parsed focal options. */
export interface FocalSettings {
  gamma: number;
  alpha: number | undefined;
  weight: number | number[] | undefined;
  reduction: LossReduction;
  useSoftmax: boolean;
  layout: TensorLayout;
}

/** Validates the focal part's options. */
export function parseFocalOptions(component: string, o: FocalLossOptions): FocalSettings {
  return {
    gamma: numberOption(component, 'gamma', o.gamma, 2, 0),
    alpha: o.alpha === undefined ? undefined : numberOption(component, 'alpha', o.alpha, 0, 0, 1),
    weight: weightOption(component, o.weight),
    reduction: enumOption(component, 'reduction', o.reduction, ['mean', 'sum', 'none'], 'mean'),
    useSoftmax: boolOption(component, 'useSoftmax', o.useSoftmax, false),
    layout: layoutOption(component, o.layout),
  };
}

/** MONAI's focal loss on logits `x` and (one-hot, prepared) target `y` of equal shape. */
export function focalLoss(component: string, s: FocalSettings, x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axis = channelAxis(x.rank, s.layout);
    const numClasses = x.shape[axis] as number;
    let loss: tf.Tensor;
    if (s.useSoftmax) {
      const logp = logSoftmaxAxis(x, axis);
      loss = tf.neg(tf.mul(tf.mul(tf.pow(tf.sub(1, tf.exp(logp)), s.gamma), logp), y));
      if (s.alpha !== undefined) {
        const a = s.alpha;
        loss = tf.mul(
          loss,
          channelVector([1 - a, ...Array.from({ length: numClasses - 1 }, () => a)], x.rank, s.layout),
        );
      }
    } else {
      // BCE with logits, x − x·y − log σ(x), times (1 − p_t)^γ = exp(γ · log σ(−x·(2y − 1)))
      const bce = tf.sub(tf.sub(x, tf.mul(x, y)), logSigmoid(x));
      const invprobs = logSigmoid(tf.neg(tf.mul(x, tf.sub(tf.mul(y, 2), 1))));
      loss = tf.mul(tf.exp(tf.mul(invprobs, s.gamma)), bce);
      if (s.alpha !== undefined)
        loss = tf.mul(tf.add(tf.mul(y, s.alpha), tf.mul(tf.sub(1, y), 1 - s.alpha)), loss);
    }
    if (s.weight !== undefined && numClasses !== 1)
      loss = tf.mul(loss, channelVector(classWeights(component, s.weight, numClasses), x.rank, s.layout));
    if (s.reduction === 'sum') return tf.sum(tf.mean(loss, spatialAxes(x.rank, s.layout)));
    if (s.reduction === 'mean') return tf.mean(loss);
    return loss;
  });
}

/**
 * MONAI's `FocalLoss` (Lin et al. 2017) on logits: the sigmoid focal loss of each channel, or with
 * `useSoftmax` the softmax focal loss over the channels.
 *
 * @example
 * const loss = new FocalLoss({ toOnehotY: true, gamma: 2 });
 * const value = loss.forward(logits, labels);
 */
export class FocalLoss extends Loss {
  readonly layout: TensorLayout;
  private readonly includeBackground: boolean;
  private readonly toOnehotY: boolean;
  private readonly settings: FocalSettings;

  constructor(options: FocalLossOptions = {}) {
    super();
    rejectUnknownOptions('FocalLoss', options, FOCAL_LOSS_KEYS);
    this.includeBackground = boolOption('FocalLoss', 'includeBackground', options.includeBackground, true);
    this.toOnehotY = boolOption('FocalLoss', 'toOnehotY', options.toOnehotY, false);
    this.settings = parseFocalOptions('FocalLoss', options);
    // MONAI drops alpha here with a warning (its first factor is meant for the background channel)
    if (this.settings.useSoftmax && !this.includeBackground && this.settings.alpha !== undefined)
      throw new TrainingOptionError(
        'FocalLoss',
        'alpha',
        'cannot be used with useSoftmax and includeBackground false (alpha weighs the background channel)',
      );
    this.layout = this.settings.layout;
  }

  /** Focal loss of logits `input` against `target`. */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const act = {
        includeBackground: this.includeBackground,
        toOnehotY: this.toOnehotY,
        sigmoid: false,
        softmax: false,
        otherAct: undefined,
      };
      const { input: x, target: y } = prepareSegmentation('FocalLoss', input, target, act, this.layout);
      return focalLoss('FocalLoss', this.settings, x, y);
    });
  }
}
