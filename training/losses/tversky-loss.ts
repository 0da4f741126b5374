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
import { reduceLoss } from './tensor-ops.js';

/** Options of {@link TverskyLoss} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface TverskyLossOptions extends ActivationOptions {
  /** Weight of false positives. Default 0.5. */
  alpha?: number;
  /** Weight of false negatives. Default 0.5. */
  beta?: number;
  /** `'mean'` (default), `'sum'` or `'none'` → `(B, C)`. */
  reduction?: LossReduction;
  /** Added to the numerator. Default 1e-5. */
  smoothNr?: number;
  /** Added to the denominator. Default 1e-5. */
  smoothDr?: number;
  /** One loss per class for the whole batch. Default false. */
  batch?: boolean;
  /** Layout of input and target. Default `'channelsLast'`. */
  layout?: TensorLayout;
}

const KEYS = [
  ...ACTIVATION_KEYS,
  'alpha',
  'beta',
  'reduction',
  'smoothNr',
  'smoothDr',
  'batch',
  'layout',
] as const;

/**
 * MONAI's `TverskyLoss` (Salehi et al. 2017): 1 − (TP + smoothNr) / (TP + α·FP + β·FN + smoothDr).
 *
 * @example
 * const loss = new TverskyLoss({ softmax: true, toOnehotY: true, alpha: 0.3, beta: 0.7 });
 */
export class TverskyLoss extends Loss {
  readonly layout: TensorLayout;
  private readonly act: Activation;
  private readonly alpha: number;
  private readonly beta: number;
  private readonly reduction: LossReduction;
  private readonly smoothNr: number;
  private readonly smoothDr: number;
  private readonly batch: boolean;

  constructor(options: TverskyLossOptions = {}) {
    super();
    const n = 'TverskyLoss';
    rejectUnknownOptions(n, options, KEYS);
    this.act = parseActivation(n, options);
    this.alpha = numberOption(n, 'alpha', options.alpha, 0.5, 0);
    this.beta = numberOption(n, 'beta', options.beta, 0.5, 0);
    this.reduction = enumOption(n, 'reduction', options.reduction, ['mean', 'sum', 'none'], 'mean');
    this.smoothNr = numberOption(n, 'smoothNr', options.smoothNr, 1e-5, 0);
    this.smoothDr = numberOption(n, 'smoothDr', options.smoothDr, 1e-5, 0);
    this.batch = boolOption(n, 'batch', options.batch, false);
    this.layout = layoutOption(n, options.layout);
  }

  /** Tversky loss of `input` against `target`; `'none'` gives `(B, C)` (`(C)` with `batch`). */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { input: x, target: y } = prepareSegmentation(
        'TverskyLoss',
        input,
        target,
        this.act,
        this.layout,
      );
      const sp = spatialAxes(x.rank, this.layout);
      const axes = this.batch ? [0, ...sp] : sp;
      const tp = tf.sum(tf.mul(x, y), axes);
      const fp = tf.mul(this.alpha, tf.sum(tf.mul(x, tf.sub(1, y)), axes));
      const fn = tf.mul(this.beta, tf.sum(tf.mul(tf.sub(1, x), y), axes));
      const score = tf.sub(
        1,
        tf.div(tf.add(tp, this.smoothNr), tf.add(tf.add(tf.add(tp, fp), fn), this.smoothDr)),
      );
      return reduceLoss(score, this.reduction);
    });
  }
}
