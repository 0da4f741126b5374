import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { enumOption, rejectUnknownOptions } from '../options.js';
import { Loss, type LossReduction } from './loss.js';
import {
  REGION_KEYS,
  type RegionOptions,
  type RegionSettings,
  parseRegionOptions,
  prepareRegion,
} from './segmentation-inputs.js';
import { broadcastNone, reduceLoss } from './tensor-ops.js';

/** Options of {@link GeneralizedDiceLoss} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface GeneralizedDiceLossOptions extends RegionOptions {
  /** Class weight from the target volume V: `'square'` 1/V² (default), `'simple'` 1/V, `'uniform'` 1. */
  wType?: 'square' | 'simple' | 'uniform';
  /** `'mean'` (default), `'sum'` or `'none'` → `(B, 1, 1, 1[, 1])`. */
  reduction?: LossReduction;
}

/**
 * MONAI's `GeneralizedDiceLoss` (Sudre et al. 2017): classes weighted by their target volume; a class
 * with an empty target (weight 1/0) gets the largest finite weight of its item (of the batch with `batch`).
 *
 * @example
 * const loss = new GeneralizedDiceLoss({ softmax: true, toOnehotY: true });
 */
export class GeneralizedDiceLoss extends Loss {
  readonly layout: TensorLayout;
  private readonly settings: RegionSettings;
  private readonly wType: 'square' | 'simple' | 'uniform';

  constructor(options: GeneralizedDiceLossOptions = {}) {
    super();
    const n = 'GeneralizedDiceLoss';
    rejectUnknownOptions(n, options, [...REGION_KEYS, 'wType']);
    this.settings = parseRegionOptions(n, options);
    this.wType = enumOption(n, 'wType', options.wType, ['square', 'simple', 'uniform'], 'square');
    this.layout = this.settings.layout;
  }

  /** Generalized Dice loss of `input` against `target`. */
  forward(input: tf.Tensor, target: tf.Tensor): tf.Tensor {
    const s = this.settings;
    return tf.tidy(() => {
      const { x, y, axes } = prepareRegion('GeneralizedDiceLoss', input, target, s);
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
      const rowMax = s.batch ? tf.max(finite) : tf.max(finite, -1, true);
      const w = tf.where(inf, tf.broadcastTo(rowMax, raw.shape), finite);
      // w, tp, denominator: (B, C) channels last, or (C) with batch; sum over the classes
      const reduceAxis = s.batch ? 0 : 1;
      const numer = tf.add(tf.mul(2, tf.sum(tf.mul(tp, w), reduceAxis, true)), s.smoothNr);
      const denom = tf.add(tf.sum(tf.mul(denominator, w), reduceAxis, true), s.smoothDr);
      const f = tf.sub(1, tf.div(numer, denom));
      if (s.reduction === 'none') return broadcastNone(f, x.rank, this.layout);
      return reduceLoss(f, s.reduction);
    });
  }
}
