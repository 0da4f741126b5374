/**
 * The input preparation MONAI's region losses share (DiceLoss, GeneralizedDiceLoss, TverskyLoss, ...):
 * sigmoid / softmax / other activation, one-hot target, dropping the background channel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { channelAxis, spatialAxes } from '../layout.js';
import { boolOption, enumOption, layoutOption, numberOption, show } from '../options.js';
import { TrainingOptionError, TrainingShapeError } from '../training-error.js';
import type { LossReduction, TensorActivation } from './loss.js';
import { dropChannels, oneHotLayout, softmaxAxis } from './tensor-ops.js';

/** Options every region loss takes, with MONAI's defaults. */
export interface ActivationOptions {
  /** Keep channel 0 (background). Default true. False needs an input of 2 or more channels. */
  includeBackground?: boolean;
  /** Turn a 1-channel class-index target into one-hot. Default false. Needs an input of 2 or more channels. */
  toOnehotY?: boolean;
  /** Apply a sigmoid to `input`. Default false. */
  sigmoid?: boolean;
  /** Apply a softmax over the channels of `input` (not for 1-channel input). Default false. */
  softmax?: boolean;
  /** Another activation applied to `input` (MONAI's `other_act`), exclusive with sigmoid/softmax. */
  otherAct?: TensorActivation;
}

/** The parsed activation settings. */
export interface Activation {
  includeBackground: boolean;
  toOnehotY: boolean;
  sigmoid: boolean;
  softmax: boolean;
  otherAct: TensorActivation | undefined;
}

/** Option names of {@link ActivationOptions}. */
export const ACTIVATION_KEYS = ['includeBackground', 'toOnehotY', 'sigmoid', 'softmax', 'otherAct'] as const;

/** Validates the activation options (at most one of sigmoid, softmax, otherAct). */
export function parseActivation(component: string, o: ActivationOptions, withOtherAct = true): Activation {
  const act: Activation = {
    includeBackground: boolOption(component, 'includeBackground', o.includeBackground, true),
    toOnehotY: boolOption(component, 'toOnehotY', o.toOnehotY, false),
    sigmoid: boolOption(component, 'sigmoid', o.sigmoid, false),
    softmax: boolOption(component, 'softmax', o.softmax, false),
    otherAct: undefined,
  };
  if (withOtherAct && o.otherAct !== undefined) {
    if (typeof o.otherAct !== 'function')
      throw new TrainingOptionError(
        component,
        'otherAct',
        `must be a function of a tensor, got ${show(o.otherAct)}`,
      );
    act.otherAct = o.otherAct;
  }
  if (Number(act.sigmoid) + Number(act.softmax) + Number(act.otherAct !== undefined) > 1)
    throw new TrainingOptionError(
      component,
      act.otherAct ? 'otherAct' : 'softmax',
      'cannot be combined: choose at most one of sigmoid, softmax and otherAct',
    );
  return act;
}

/** Checks that input and target are batched tensors of the same rank with spatial axes. */
export function checkRanks(component: string, input: tf.Tensor, target: tf.Tensor): void {
  if (input.rank < 3)
    throw new TrainingShapeError(
      component,
      `input must be [B, spatial..., C] or [B, C, spatial...], got shape [${input.shape}]`,
    );
  if (target.rank !== input.rank)
    throw new TrainingShapeError(
      component,
      `input and target must have the same rank, got [${input.shape}] and [${target.shape}]`,
    );
}

/** Applies MONAI's activation / one-hot / background steps; returns input and target of equal shape. */
export function prepareSegmentation(
  component: string,
  input: tf.Tensor,
  target: tf.Tensor,
  act: Activation,
  layout: TensorLayout,
): { input: tf.Tensor; target: tf.Tensor } {
  checkRanks(component, input, target);
  const axis = channelAxis(input.rank, layout);
  const nPred = input.shape[axis] as number;
  if (nPred === 1) {
    // MONAI warns and ignores these for a 1-channel prediction; we refuse them
    const misused = [
      act.softmax ? 'softmax (use sigmoid)' : '',
      act.toOnehotY ? 'toOnehotY' : '',
      act.includeBackground ? '' : 'includeBackground false',
    ].filter((m) => m);
    if (misused.length > 0)
      throw new TrainingShapeError(
        component,
        `${misused.join(', ')} need(s) an input of 2 or more channels; input [${input.shape}] (${layout}) has 1`,
      );
  }
  let x = act.sigmoid ? tf.sigmoid(input) : input;
  let y = target;
  if (act.softmax) x = softmaxAxis(x, axis);
  if (act.otherAct) x = act.otherAct(x);
  if (act.toOnehotY) {
    if (y.shape[axis] !== 1)
      throw new TrainingShapeError(
        component,
        `toOnehotY needs a 1-channel class-index target, got shape [${target.shape}] (${layout})`,
      );
    y = oneHotLayout(y, nPred, layout);
  }
  if (!act.includeBackground) {
    x = dropChannels(x, 1, layout);
    y = dropChannels(y, 1, layout);
  }
  if (x.shape.join() !== y.shape.join())
    throw new TrainingShapeError(
      component,
      `ground truth has a different shape ([${y.shape}]) from input ([${x.shape}]) (${layout}); ` +
        'give a one-hot target or set toOnehotY',
    );
  return { input: x, target: y };
}

/** MONAI's per-class `weight` option: a number (same for every class) or one number per class, all ≥ 0. */
export function weightOption(component: string, value: unknown): number | number[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'number' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((w) => typeof w !== 'number' || !Number.isFinite(w) || w < 0)
  )
    throw new TrainingOptionError(
      component,
      'weight',
      `must be a non-negative number or an array of them (one per class), got ${show(value)}`,
    );
  return typeof value === 'number' ? value : [...(list as number[])];
}

/** The class weights for `numClasses` classes (checks an array's length). */
export function classWeights(component: string, weight: number | number[], numClasses: number): number[] {
  if (typeof weight === 'number') return Array.from({ length: numClasses }, () => weight);
  if (weight.length !== numClasses)
    throw new TrainingShapeError(
      component,
      `weight has ${weight.length} values but there are ${numClasses} classes` +
        ' (after dropping the background when includeBackground is false)',
    );
  return weight;
}

/** Options of the region losses (Dice, generalized Dice, Tversky) besides the activation. */
export interface RegionOptions extends ActivationOptions {
  /** `'mean'` (default), `'sum'` or `'none'` (the class's documented shape). */
  reduction?: LossReduction;
  /** Added to the numerator. Default 1e-5. */
  smoothNr?: number;
  /** Added to the denominator. Default 1e-5. */
  smoothDr?: number;
  /** Reduce over the batch too (one value per class for the whole batch). Default false. */
  batch?: boolean;
  /** Layout of input and target. Default `'channelsLast'`. */
  layout?: TensorLayout;
}

/** Option names of {@link RegionOptions}. */
export const REGION_KEYS = [
  ...ACTIVATION_KEYS,
  'reduction',
  'smoothNr',
  'smoothDr',
  'batch',
  'layout',
] as const;

/** Parsed {@link RegionOptions}. */
export interface RegionSettings {
  act: Activation;
  reduction: LossReduction;
  smoothNr: number;
  smoothDr: number;
  batch: boolean;
  layout: TensorLayout;
}

/** Validates {@link RegionOptions} with MONAI's defaults. */
export function parseRegionOptions(
  component: string,
  o: RegionOptions,
  reductions: readonly LossReduction[] = ['mean', 'sum', 'none'],
): RegionSettings {
  return {
    act: parseActivation(component, o),
    reduction: enumOption(component, 'reduction', o.reduction, reductions, 'mean'),
    smoothNr: numberOption(component, 'smoothNr', o.smoothNr, 1e-5, 0),
    smoothDr: numberOption(component, 'smoothDr', o.smoothDr, 1e-5, 0),
    batch: boolOption(component, 'batch', o.batch, false),
    layout: layoutOption(component, o.layout),
  };
}

/** Prepared input and target plus the axes a region loss sums over (spatial, and batch with `batch`). */
export function prepareRegion(
  component: string,
  input: tf.Tensor,
  target: tf.Tensor,
  s: RegionSettings,
): { x: tf.Tensor; y: tf.Tensor; axes: number[] } {
  const { input: x, target: y } = prepareSegmentation(component, input, target, s.act, s.layout);
  const sp = spatialAxes(x.rank, s.layout);
  return { x, y, axes: s.batch ? [0, ...sp] : sp };
}
