import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { spatialAxes } from '../layout.js';
import { boolOption, enumOption, layoutOption, numberOption, rejectUnknownOptions } from '../options.js';
import { Loss, type LossReduction } from './loss.js';
import {
  ACTIVATION_KEYS,
  type Activation,
  type ActivationOptions,
  parseActivation,
  prepareSegmentation,
} from './segmentation-inputs.js';
import { broadcastNone, reduceLoss } from './tensor-ops.js';

/** Options of {@link GeneralizedDiceLoss} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface GeneralizedDiceLossOptions extends ActivationOptions {
  /** Class weight from the target volume V: `'square'` 1/V² (default), `'simple'` 1/V, `'uniform'` 1. */
  wType?: 'square' | 'simple' | 'uniform';
  /** `'mean'` (default), `'sum'` or `'none'` → `(B, 1, 1, 1[, 1])`. */
  reduction?: LossReduction;
  /** Added to the numerator. Default 1e-5. */
  smoothNr?: number;
  /** Added to the denominator. Default 1e-5. */
  smoothDr?: number;
  /** One loss for the whole batch. Default false. */
  batch?: boolean;
  /** Layout of input and target. Default `'channelsLast'`. */
  layout?: TensorLayout;
}

const KEYS = [...ACTIVATION_KEYS, 'wType', 'reduction', 'smoothNr', 'smoothDr', 'batch', 'layout'] as const;

/**
 * MONAI's `GeneralizedDiceLoss` (Sudre et al. 2017): classes weighted by their target volume; a class
 * with an empty target (weight 1/0) gets the largest finite weight of its item (of the batch with `batch`).
 *
 * @example
 * const loss = new GeneralizedDiceLoss({ softmax: true, toOnehotY: true });
 */
export class GeneralizedDiceLoss extends Loss {
  readonly layout: TensorLayout;
  private readonly act: Activation;
  private readonly wType: 'square' | 'simple' | 'uniform';
  private readonly reduction: LossReduction;
  private readonly smoothNr: number;
  private readonly smoothDr: number;
  private readonly batch: boolean;

  constructor(options: GeneralizedDiceLossOptions = {}) {
    super();
    const n = 'GeneralizedDiceLoss';
    rejectUnknownOptions(n, options, KEYS);
    this.act = parseActivation(n, options);
    this.wType = enumOption(n, 'wType', options.wType, ['square', 'simple', 'uniform'], 'square');
    this.reduction = enumOption(n, 'reduction', options.reduction, ['mean', 'sum', 'none'], 'mean');
    this.smoothNr = numberOption(n, 'smoothNr', options.smoothNr, 1e-5, 0);
    this.smoothDr = numberOption(n, 'smoothDr', options.smoothDr, 1e-5, 0);
    this.batch = boolOption(n, 'batch', options.batch, false);
    this.layout = layoutOption(n, options.layout);
  }

  /** Generalized Dice loss of `input` against `target`. */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { input: x, target: y } = prepareSegmentation(
        'GeneralizedDiceLoss',
        input,
        target,
        this.act,
        this.layout,
      );
      const sp = spatialAxes(x.rank, this.layout);
      const axes = this.batch ? [0, ...sp] : sp;
      const tp = tf.sum(tf.mul(x, y), axes);
      const ground = tf.sum(y, axes);
      const denominator = tf.add(ground, tf.sum(x, axes));
      // weights from the target only: no gradient flows through them
      const raw =
        this.wType === 'uniform'
          ? tf.onesLike(ground)
          : tf.reciprocal(this.wType === 'simple' ? ground : tf.square(ground));
      const inf = tf.isInf(raw);
      const finite = tf.where(inf, tf.zerosLike(raw), raw);
      const rowMax = this.batch ? tf.max(finite) : tf.max(finite, -1, true);
      const w = tf.where(inf, tf.broadcastTo(rowMax, raw.shape), finite);
      // w, tp, denominator: (B, C) channels last, or (C) with batch; sum over the classes
      const reduceAxis = this.batch ? 0 : 1;
      const numer = tf.add(tf.mul(2, tf.sum(tf.mul(tp, w), reduceAxis, true)), this.smoothNr);
      const denom = tf.add(tf.sum(tf.mul(denominator, w), reduceAxis, true), this.smoothDr);
      const f = tf.sub(1, tf.div(numer, denom));
      if (this.reduction === 'none') return broadcastNone(f, x.rank, this.layout);
      return reduceLoss(f, this.reduction);
    });
  }
}
