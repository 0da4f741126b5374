import type * as tf from '@tensorflow/tfjs-core';
import { boolOption, numberOption } from '../options.js';
import { TrainingShapeError } from '../training-error.js';
import type { MetricCallOptions } from './cumulative-metric.js';
import { type MetricArray, checkPair, readBatch } from './metric-array.js';
import { ReducingMetric, type ReducingMetricOptions, rejectSpacing } from './reducing-metric.js';

/** Options of {@link DiceMetric} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface DiceMetricOptions extends ReducingMetricOptions {
  /** Score channel 0 (background) too. Default true. */
  includeBackground?: boolean;
  /** NaN for a class empty in `y` (skipped by `aggregate`); false: 1 if `yPred` is empty too, else 0. Default true. */
  ignoreEmpty?: boolean;
  /** Number of classes when `yPred` and `y` are 1-channel class-index maps. Default: the channels of `yPred`. */
  numClasses?: number;
}

/**
 * MONAI's `DiceMetric` on binarized one-hot `yPred` and `y` (or class-index maps with `numClasses`):
 * per item and class 2·|y ∩ ŷ| / (|y| + |ŷ|), buffered; `aggregate()` reduces.
 *
 * @example
 * const dice = new DiceMetric({ includeBackground: false });
 * for (const [pred, label] of batches) (await dice.call(pred, label)).dispose();
 * const mean = await dice.aggregate(); // shape [1]
 * dice.reset();
 */
export class DiceMetric extends ReducingMetric {
  readonly includeBackground: boolean;
  readonly ignoreEmpty: boolean;
  readonly numClasses: number | undefined;

  constructor(options: DiceMetricOptions = {}) {
    super('DiceMetric', options, ['includeBackground', 'ignoreEmpty', 'numClasses']);
    this.includeBackground = boolOption('DiceMetric', 'includeBackground', options.includeBackground, true);
    this.ignoreEmpty = boolOption('DiceMetric', 'ignoreEmpty', options.ignoreEmpty, true);
    this.numClasses =
      options.numClasses === undefined
        ? undefined
        : numberOption('DiceMetric', 'numClasses', options.numClasses, 0, 1);
    if (this.numClasses !== undefined && !Number.isInteger(this.numClasses))
      throw new TrainingShapeError('DiceMetric', `numClasses must be an integer, got ${this.numClasses}`);
  }

  protected async compute(yPred: tf.Tensor, y: tf.Tensor, options: MetricCallOptions): Promise<MetricArray> {
    rejectSpacing('DiceMetric', options);
    checkPair('DiceMetric', yPred, y, this.layout);
    const p = await readBatch(yPred, this.layout);
    const t = await readBatch(y, this.layout);
    const [b = 0, pc = 0] = p.shape;
    const tc = t.shape[1] as number;
    const size = p.size;
    const nPred = this.numClasses ?? pc;
    const classes =
      nPred > 1
        ? Array.from(
            { length: nPred - (this.includeBackground ? 0 : 1) },
            (_, i) => i + (this.includeBackground ? 0 : 1),
          )
        : [1];
    if (pc !== 1 && classes.some((c) => c >= pc))
      throw new TrainingShapeError('DiceMetric', `y_pred has ${pc} channels but ${nPred} classes are scored`);
    if (tc !== 1 && classes.some((c) => c >= tc))
      throw new TrainingShapeError(
        'DiceMetric',
        `y has ${tc} channels: give 1 (class indices) or one per class`,
      );
    const out = new Float32Array(b * classes.length);
    for (let i = 0; i < b; i++)
      for (const [k, c] of classes.entries()) {
        const po = p.offset(i, pc === 1 ? 0 : c);
        const to = t.offset(i, tc === 1 ? 0 : c);
        let yo = 0;
        let inter = 0;
        let predO = 0;
        for (let v = 0; v < size; v++) {
          const pv = p.data[po + v * p.stride] as number;
          const predOn = pc === 1 ? pv === c : pv !== 0;
          const tv = t.data[to + v * t.stride] as number;
          const yv = tc === 1 ? (tv === c ? 1 : 0) : tv;
          yo += yv;
          if (predOn) {
            predO++;
            inter += yv;
          }
        }
        out[i * classes.length + k] =
          yo > 0 ? (2 * inter) / (yo + predO) : this.ignoreEmpty ? NaN : yo + predO <= 0 ? 1 : 0;
      }
    return { data: out, shape: [b, classes.length] };
  }
}
