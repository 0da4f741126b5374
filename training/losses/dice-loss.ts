import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { spatialAxes } from '../layout.js';
import { boolOption, enumOption, layoutOption, numberOption, rejectUnknownOptions } from '../options.js';
import { Loss, type LossReduction } from './loss.js';
import {
  ACTIVATION_KEYS,
  type Activation,
  type ActivationOptions,
  classWeights,
  parseActivation,
  prepareSegmentation,
  weightOption,
} from './segmentation-inputs.js';
import { broadcastNone, channelVector, reduceLoss } from './tensor-ops.js';

/** Options of {@link DiceLoss} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface DiceLossOptions extends ActivationOptions {
  /** Square input and target in the denominator. Default false. */
  squaredPred?: boolean;
  /** Soft Jaccard (IoU) loss instead of Dice. Default false. */
  jaccard?: boolean;
  /** `'mean'` (default), `'sum'` or `'none'` → `(B, C, 1, 1[, 1])` channels-first, `(B, 1, 1[, 1], C)` channels-last. */
  reduction?: LossReduction;
  /** Added to the numerator. Default 1e-5. */
  smoothNr?: number;
  /** Added to the denominator. Default 1e-5. */
  smoothDr?: number;
  /** Sum over the batch before dividing (one Dice per class for the whole batch). Default false. */
  batch?: boolean;
  /** Per-class factor on the per-class loss: one number, or one per class (after dropping the background). */
  weight?: number | number[];
  /** Layout of input and target. Default `'channelsLast'`. */
  layout?: TensorLayout;
}

/** Option names of {@link DiceLossOptions}. */
export const DICE_LOSS_KEYS = [
  ...ACTIVATION_KEYS,
  'squaredPred',
  'jaccard',
  'reduction',
  'smoothNr',
  'smoothDr',
  'batch',
  'weight',
  'layout',
] as const;

/** Parsed {@link DiceLossOptions}. */
export interface DiceSettings {
  act: Activation;
  squaredPred: boolean;
  jaccard: boolean;
  reduction: LossReduction;
  smoothNr: number;
  smoothDr: number;
  batch: boolean;
  weight: number | number[] | undefined;
  layout: TensorLayout;
}

/** Validates Dice options for `component` (also used by MaskedDiceLoss, DiceCELoss, DiceFocalLoss). */
export function parseDiceOptions(
  component: string,
  o: DiceLossOptions,
  reductions: readonly LossReduction[] = ['mean', 'sum', 'none'],
): DiceSettings {
  return {
    act: parseActivation(component, o),
    squaredPred: boolOption(component, 'squaredPred', o.squaredPred, false),
    jaccard: boolOption(component, 'jaccard', o.jaccard, false),
    reduction: enumOption(component, 'reduction', o.reduction, reductions, 'mean'),
    smoothNr: numberOption(component, 'smoothNr', o.smoothNr, 1e-5, 0),
    smoothDr: numberOption(component, 'smoothDr', o.smoothDr, 1e-5, 0),
    batch: boolOption(component, 'batch', o.batch, false),
    weight: weightOption(component, o.weight),
    layout: layoutOption(component, o.layout),
  };
}

/** MONAI's DiceLoss on prepared settings (shared by the Dice family). */
export function diceLoss(component: string, s: DiceSettings, input: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { input: x, target: y } = prepareSegmentation(component, input, target, s.act, s.layout);
    const sp = spatialAxes(x.rank, s.layout);
    const axes = s.batch ? [0, ...sp] : sp;
    const intersection = tf.sum(tf.mul(y, x), axes);
    const ground = tf.sum(s.squaredPred ? tf.square(y) : y, axes);
    const pred = tf.sum(s.squaredPred ? tf.square(x) : x, axes);
    let denominator = tf.add(ground, pred);
    if (s.jaccard) denominator = tf.mul(2, tf.sub(denominator, intersection));
    let f = tf.sub(1, tf.div(tf.add(tf.mul(2, intersection), s.smoothNr), tf.add(denominator, s.smoothDr)));
    // f: (B, C) channels last in both layouts, or (C) with batch
    const numClasses = f.shape[f.rank - 1] as number;
    if (s.weight !== undefined && numClasses !== 1)
      f = tf.mul(f, channelVector(classWeights(component, s.weight, numClasses), f.rank, 'channelsLast'));
    if (s.reduction === 'none') return broadcastNone(f, x.rank, s.layout);
    return reduceLoss(f, s.reduction);
  });
}

/**
 * MONAI's `DiceLoss`: 1 − (2·Σ(x·y) + smoothNr) / (Σx + Σy + smoothDr) per item and class (Milletari
 * et al. 2016), optionally squared, Jaccard, batch-wise and class-weighted.
 *
 * @example
 * const loss = new DiceLoss({ softmax: true, toOnehotY: true }); // logits [B,X,Y,Z,C], labels [B,X,Y,Z,1]
 * const value = loss.forward(logits, labels); // scalar tf.Tensor
 */
export class DiceLoss extends Loss {
  readonly layout: TensorLayout;
  /** The parsed options. */
  protected readonly settings: DiceSettings;

  constructor(options: DiceLossOptions = {}) {
    super();
    const name = new.target.name;
    rejectUnknownOptions(name, options, DICE_LOSS_KEYS);
    this.settings = parseDiceOptions(name, options);
    this.layout = this.settings.layout;
  }

  /** Dice loss of `input` (B, spatial…, C logits or probabilities) against `target`. */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return diceLoss(this.constructor.name, this.settings, input, target);
  }
}
