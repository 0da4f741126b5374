import * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { enumOption, layoutOption, rejectUnknownOptions } from '../options.js';
import { TrainingShapeError } from '../training-error.js';
import { type MetricArray, concatBatches } from './metric-array.js';

/** How {@link ROCAUCMetric} combines classes: MONAI's `Average`. */
export type RocAucAverage = 'macro' | 'weighted' | 'micro' | 'none';

/** Options of {@link ROCAUCMetric}. */
export interface ROCAUCMetricOptions {
  /** `'macro'` (default: mean of per-class AUCs), `'weighted'` (by positives), `'micro'` (all flattened) or `'none'`. */
  average?: RocAucAverage;
  /** Accepted for symmetry: inputs are `(B)` or `(B, C)`, where both layouts agree. Default `'channelsLast'`. */
  layout?: TensorLayout;
}

/** MONAI's `_calculate`: the AUC of one class (ties averaged); NaN unless `y` holds both 0 and 1 only. */
export function rocAuc(yPred: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = y.length;
  const unique = [...new Set(Array.from(y))].sort((a, b) => a - b);
  if (unique.length !== 2 || unique[0] !== 0 || unique[1] !== 1) return NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (yPred[a] as number) - (yPred[b] as number),
  );
  let nneg = 0;
  let auc = 0;
  let tmpPos = 0;
  let tmpNeg = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    const yi = y[i] as number;
    if (k + 1 < n && yPred[i] === yPred[order[k + 1] as number]) {
      tmpPos += yi;
      tmpNeg += 1 - yi;
      continue;
    }
    if (tmpPos + tmpNeg > 0) {
      tmpPos += yi;
      tmpNeg += 1 - yi;
      nneg += tmpNeg;
      auc += tmpPos * (nneg - tmpNeg / 2);
      tmpPos = tmpNeg = 0;
      continue;
    }
    if (yi === 1) auc += nneg;
    else nneg += 1;
  }
  return auc / (nneg * (n - nneg));
}

/**
 * MONAI's `ROCAUCMetric` (cumulative): `call(yPred, y)` buffers `(B)` or `(B, C)` scores and binary
 * labels; `aggregate()` computes the area under the ROC curve as MONAI does (a scalar tensor, or one per
 * class with `average: 'none'`). A class whose labels are not both 0 and 1 gives NaN.
 *
 * @example
 * const auc = new ROCAUCMetric();
 * await auc.call(probabilities, oneHotLabels);
 * const value = await auc.aggregate(); // scalar tensor
 */
export class ROCAUCMetric {
  readonly layout: TensorLayout;
  readonly average: RocAucAverage;
  private preds: MetricArray[] = [];
  private labels: MetricArray[] = [];

  constructor(options: ROCAUCMetricOptions = {}) {
    rejectUnknownOptions('ROCAUCMetric', options, ['average', 'layout']);
    this.average = enumOption(
      'ROCAUCMetric',
      'average',
      options.average,
      ['macro', 'weighted', 'micro', 'none'],
      'macro',
    );
    this.layout = layoutOption('ROCAUCMetric', options.layout);
  }

  /** Buffers a batch; returns copies of `[yPred, y]` (MONAI returns them), owned by the caller. */
  async call(yPred: tf.Tensor, y: tf.Tensor): Promise<[tf.Tensor, tf.Tensor]> {
    for (const t of [yPred, y])
      if (t.rank !== 1 && t.rank !== 2)
        throw new TrainingShapeError(
          'ROCAUCMetric',
          `inputs must be (batch) or (batch, classes), got [${t.shape}]`,
        );
    this.preds.push({ data: Float32Array.from(await yPred.data()), shape: [...yPred.shape] });
    this.labels.push({ data: Float32Array.from(await y.data()), shape: [...y.shape] });
    return [tf.clone(yPred), tf.clone(y)];
  }

  /** Empties the buffer. */
  reset(): void {
    this.preds = [];
    this.labels = [];
  }

  /** The AUC of everything buffered: a scalar tensor, or an array of scalars with `average` `'none'`. */
  async aggregate(average?: RocAucAverage): Promise<tf.Tensor | tf.Tensor[]> {
    const avg = enumOption(
      'ROCAUCMetric',
      'average',
      average,
      ['macro', 'weighted', 'micro', 'none'],
      this.average,
    );
    const p = squeezeColumn(concatBatches('ROCAUCMetric', this.preds));
    const y = squeezeColumn(concatBatches('ROCAUCMetric', this.labels));
    if (p.shape.length === 1) {
      if (y.shape.length !== 1 || y.shape[0] !== p.shape[0])
        throw new TrainingShapeError(
          'ROCAUCMetric',
          `y_pred [${p.shape}] and y [${y.shape}] must have the same length`,
        );
      return tf.scalar(rocAuc(p.data, y.data));
    }
    if (p.shape.join() !== y.shape.join())
      throw new TrainingShapeError(
        'ROCAUCMetric',
        `y_pred [${p.shape}] and y [${y.shape}] must have the same shape`,
      );
    if (avg === 'micro') return tf.scalar(rocAuc(p.data, y.data));
    const [b = 0, c = 0] = p.shape;
    const column = (a: MetricArray, k: number) =>
      Array.from({ length: b }, (_, i) => a.data[i * c + k] as number);
    const aucs = Array.from({ length: c }, (_, k) => rocAuc(column(p, k), column(y, k)));
    if (avg === 'none') return aucs.map((v) => tf.scalar(v));
    if (avg === 'macro') return tf.scalar(aucs.reduce((s, v) => s + v, 0) / c);
    const weights = Array.from({ length: c }, (_, k) => column(y, k).reduce((s, v) => s + v, 0));
    const wsum = weights.reduce((s, v) => s + v, 0);
    return tf.scalar(aucs.reduce((s, v, k) => s + v * (weights[k] as number), 0) / wsum);
  }
}

/** `(B, 1)` → `(B)`, as MONAI squeezes a single column. */
function squeezeColumn(a: MetricArray): MetricArray {
  return a.shape.length === 2 && a.shape[1] === 1 ? { data: a.data, shape: [a.shape[0] as number] } : a;
}
