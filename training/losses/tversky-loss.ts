import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { numberOption, rejectUnknownOptions } from '../options.js';
import { Loss, type LossReduction } from './loss.js';
import {
  REGION_KEYS,
  type RegionOptions,
  type RegionSettings,
  parseRegionOptions,
  prepareRegion,
} from './segmentation-inputs.js';
import { reduceLoss } from './tensor-ops.js';

/** Options of {@link TverskyLoss} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface TverskyLossOptions extends RegionOptions {
  /** Weight of false positives. Default 0.5. */
  alpha?: number;
  /** Weight of false negatives. Default 0.5. */
  beta?: number;
  /** `'mean'` (default), `'sum'` or `'none'` → `(B, C)`. */
  reduction?: LossReduction;
}

/**
 * MONAI's `TverskyLoss` (Salehi et al. 2017): 1 − (TP + smoothNr) / (TP + α·FP + β·FN + smoothDr).
 *
 * @example
 * const loss = new TverskyLoss({ softmax: true, toOnehotY: true, alpha: 0.3, beta: 0.7 });
 */
export class TverskyLoss extends Loss {
  readonly layout: TensorLayout;
  private readonly settings: RegionSettings;
  private readonly alpha: number;
  private readonly beta: number;

  constructor(options: TverskyLossOptions = {}) {
    super();
    const n = 'TverskyLoss';
    rejectUnknownOptions(n, options, [...REGION_KEYS, 'alpha', 'beta']);
    this.settings = parseRegionOptions(n, options);
    this.alpha = numberOption(n, 'alpha', options.alpha, 0.5, 0);
    this.beta = numberOption(n, 'beta', options.beta, 0.5, 0);
    this.layout = this.settings.layout;
  }

  /** Tversky loss of `input` against `target`; `'none'` gives `(B, C)` (`(C)` with `batch`). */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    const s = this.settings;
    return tf.tidy(() => {
      const { x, y, axes } = prepareRegion('TverskyLoss', input, target, s);
      const tp = tf.sum(tf.mul(x, y), axes);
      const fp = tf.mul(this.alpha, tf.sum(tf.mul(x, tf.sub(1, y)), axes));
      const fn = tf.mul(this.beta, tf.sum(tf.mul(tf.sub(1, x), y), axes));
      const denominator = tf.add(tf.add(tf.add(tp, fp), fn), s.smoothDr);
      return reduceLoss(tf.sub(1, tf.div(tf.add(tp, s.smoothNr), denominator)), s.reduction);
    });
  }
}
