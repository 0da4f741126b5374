import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { boolOption, rejectUnknownOptions } from '../options.js';
import { Loss, type LossReduction } from './loss.js';
import {
  REGION_KEYS,
  type RegionOptions,
  type RegionSettings,
  classWeights,
  parseRegionOptions,
  prepareRegion,
  weightOption,
} from './segmentation-inputs.js';
import { broadcastNone, channelVector, reduceLoss } from './tensor-ops.js';

/** Options of {@link DiceLoss} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface DiceLossOptions extends RegionOptions {
  /** Square input and target in the denominator. Default false. */
  squaredPred?: boolean;
  /** Soft Jaccard (IoU) loss instead of Dice. Default false. */
  jaccard?: boolean;
  /** `'mean'` (default), `'sum'` or `'none'` → `(B, C, 1, 1[, 1])` channels-first, `(B, 1, 1[, 1], C)` channels-last. */
  reduction?: LossReduction;
  /** Per-class factor on the per-class loss: one number, or one per class (after dropping the background). */
  weight?: number | number[];
}

/** Option names of {@link DiceLossOptions}. */
export const DICE_LOSS_KEYS = [...REGION_KEYS, 'squaredPred', 'jaccard', 'weight'] as const;

/** Parsed {@link DiceLossOptions}. */
export interface DiceSettings extends RegionSettings {
  squaredPred: boolean;
  jaccard: boolean;
  weight: number | number[] | undefined;
}

/** Validates Dice options for `component` (also used by MaskedDiceLoss, DiceCELoss, DiceFocalLoss). */
export function parseDiceOptions(
  component: string,
  o: DiceLossOptions,
  reductions: readonly LossReduction[] = ['mean', 'sum', 'none'],
): DiceSettings {
  return {
    ...parseRegionOptions(component, o, reductions),
    squaredPred: boolOption(component, 'squaredPred', o.squaredPred, false),
    jaccard: boolOption(component, 'jaccard', o.jaccard, false),
    weight: weightOption(component, o.weight),
  };
}

/** MONAI's DiceLoss on prepared settings (shared by the Dice family). */
export function diceLoss(component: string, s: DiceSettings, input: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { x, y, axes } = prepareRegion(component, input, target, s);
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
  private readonly settings: DiceSettings;

  constructor(options: DiceLossOptions = {}) {
    super();
    const name = new.target.name;
    rejectUnknownOptions(name, options, DICE_LOSS_KEYS);
    this.settings = parseDiceOptions(name, options);
    this.layout = this.settings.layout;
  }

  /** Dice loss of `input` (B, spatial…, C logits or probabilities) against `target`. */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return this.dice(input, target);
  }

  /** The Dice loss with this instance's options (for subclasses that transform the inputs first). */
  protected dice(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return diceLoss(this.constructor.name, this.settings, input, target);
  }
}
