import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { channelAxis } from '../layout.js';
import { numberOption, rejectUnknownOptions } from '../options.js';
import {
  DICE_LOSS_KEYS,
  type DiceLossOptions,
  type DiceSettings,
  diceLoss,
  parseDiceOptions,
} from './dice-loss.js';
import { type FocalSettings, focalLoss, parseFocalOptions } from './focal-loss.js';
import { TrainingShapeError } from '../training-error.js';
import { Loss } from './loss.js';
import { checkRanks, prepareSegmentation } from './segmentation-inputs.js';
import { oneHotLayout } from './tensor-ops.js';

/** Options of {@link DiceFocalLoss}: DiceLoss's plus the focal part's. */
export interface DiceFocalLossOptions extends DiceLossOptions {
  /** Focusing exponent of the focal part. Default 2. */
  gamma?: number;
  /** Balancing factor of the (sigmoid) focal part, in [0, 1]. Default: none. */
  alpha?: number;
  /** Factor on the Dice part (≥ 0). Default 1. */
  lambdaDice?: number;
  /** Factor on the focal part (≥ 0). Default 1. */
  lambdaFocal?: number;
}

const KEYS = [...DICE_LOSS_KEYS, 'gamma', 'alpha', 'lambdaDice', 'lambdaFocal'] as const;

/**
 * MONAI's `DiceFocalLoss`: `lambdaDice · DiceLoss + lambdaFocal · FocalLoss`. The target is made one-hot
 * once (`toOnehotY`); the Dice part applies the activation, the focal part (MONAI 1.4: the sigmoid focal
 * loss of each channel) takes the logits; `weight` goes to both.
 *
 * @example
 * const loss = new DiceFocalLoss({ softmax: true, toOnehotY: true, lambdaFocal: 0.5 });
 */
export class DiceFocalLoss extends Loss {
  readonly layout: TensorLayout;
  private readonly dice: DiceSettings;
  private readonly focal: FocalSettings;
  private readonly lambdaDice: number;
  private readonly lambdaFocal: number;

  constructor(options: DiceFocalLossOptions = {}) {
    super();
    rejectUnknownOptions('DiceFocalLoss', options, KEYS);
    this.dice = parseDiceOptions('DiceFocalLoss', options);
    this.focal = parseFocalOptions('DiceFocalLoss', {
      gamma: options.gamma,
      alpha: options.alpha,
      weight: options.weight,
      reduction: options.reduction,
      layout: options.layout,
    });
    this.lambdaDice = numberOption('DiceFocalLoss', 'lambdaDice', options.lambdaDice, 1, 0);
    this.lambdaFocal = numberOption('DiceFocalLoss', 'lambdaFocal', options.lambdaFocal, 1, 0);
    this.layout = this.dice.layout;
  }

  /** The combined loss. */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    checkRanks('DiceFocalLoss', input, target);
    return tf.tidy(() => {
      const nPred = input.shape[channelAxis(input.rank, this.layout)] as number;
      if (nPred === 1 && this.dice.act.toOnehotY)
        throw new TrainingShapeError(
          'DiceFocalLoss',
          `toOnehotY needs an input of 2 or more channels, got [${input.shape}]`,
        );
      const y = this.dice.act.toOnehotY ? oneHotLayout(target, nPred, this.layout) : target;
      const diceSettings = { ...this.dice, act: { ...this.dice.act, toOnehotY: false } };
      const dice = diceLoss('DiceFocalLoss', diceSettings, input, y);
      const plain = {
        includeBackground: this.dice.act.includeBackground,
        toOnehotY: false,
        sigmoid: false,
        softmax: false,
        otherAct: undefined,
      };
      const { input: fx, target: fy } = prepareSegmentation('DiceFocalLoss', input, y, plain, this.layout);
      const focal = focalLoss('DiceFocalLoss', this.focal, fx, fy);
      return tf.add(tf.mul(this.lambdaDice, dice), tf.mul(this.lambdaFocal, focal));
    });
  }
}
