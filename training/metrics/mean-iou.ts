import type * as tf from '@tensorflow/tfjs-core';
import { boolOption } from '../options.js';
import { TrainingShapeError } from '../training-error.js';
import type { MetricCallOptions } from './cumulative-metric.js';
import { type MetricArray, checkPair, readBatch } from './metric-array.js';
import { ReducingMetric, type ReducingMetricOptions, rejectSpacing } from './reducing-metric.js';

/** Options of {@link MeanIoU}. */
export interface MeanIoUOptions extends ReducingMetricOptions {
  /** Score channel 0 (background) too. Default true. */
  includeBackground?: boolean;
  /** NaN for a class empty in `y`; false: 1 when the union is empty. Default true. */
  ignoreEmpty?: boolean;
}

/** Channels kept by MONAI's `ignore_background` (drop channel 0 when there is more than one). */
export function firstChannel(includeBackground: boolean, channels: number): number {
  return !includeBackground && channels > 1 ? 1 : 0;
}

/**
 * MONAI's `MeanIoU`: per item and class |y ∩ ŷ| / |y ∪ ŷ| on one-hot binarized `yPred` and `y`.
 *
 * @example
 * const iou = new MeanIoU({ reduction: 'mean_batch' });
 * (await iou.call(pred, label)).dispose();
 * const perClass = await iou.aggregate(); // shape [C]
 */
export class MeanIoU extends ReducingMetric {
  readonly includeBackground: boolean;
  readonly ignoreEmpty: boolean;

  constructor(options: MeanIoUOptions = {}) {
    super('MeanIoU', options, ['includeBackground', 'ignoreEmpty']);
    this.includeBackground = boolOption('MeanIoU', 'includeBackground', options.includeBackground, true);
    this.ignoreEmpty = boolOption('MeanIoU', 'ignoreEmpty', options.ignoreEmpty, true);
  }

  protected async compute(yPred: tf.Tensor, y: tf.Tensor, options: MetricCallOptions): Promise<MetricArray> {
    rejectSpacing('MeanIoU', options);
    checkPair('MeanIoU', yPred, y, this.layout);
    const p = await readBatch(yPred, this.layout);
    const t = await readBatch(y, this.layout);
    const [b = 0, pc = 0] = p.shape;
    const tc = t.shape[1] as number;
    const fp = firstChannel(this.includeBackground, pc);
    const ft = firstChannel(this.includeBackground, tc);
    if (pc - fp !== tc - ft)
      throw new TrainingShapeError(
        'MeanIoU',
        `y_pred [${yPred.shape}] and y [${y.shape}] must have the same channels`,
      );
    const n = pc - fp;
    const size = p.size;
    const out = new Float32Array(b * n);
    for (let i = 0; i < b; i++)
      for (let c = 0; c < n; c++) {
        const po = p.offset(i, c + fp);
        const to = t.offset(i, c + ft);
        let inter = 0;
        let yo = 0;
        let predO = 0;
        for (let v = 0; v < size; v++) {
          const a = p.data[po + v * p.stride] as number;
          const g = t.data[to + v * t.stride] as number;
          inter += a * g;
          yo += g;
          predO += a;
        }
        const union = yo + predO - inter;
        out[i * n + c] = this.ignoreEmpty ? (yo > 0 ? inter / union : NaN) : union > 0 ? inter / union : 1;
      }
    return { data: out, shape: [b, n] };
  }
}
