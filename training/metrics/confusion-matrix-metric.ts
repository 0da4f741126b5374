import type * as tf from '@tensorflow/tfjs-core';
import { boolOption, enumOption, layoutOption, rejectUnknownOptions, show } from '../options.js';
import { TrainingOptionError, TrainingShapeError } from '../training-error.js';
import { CumulativeMetric, type MetricCallOptions } from './cumulative-metric.js';
import { type MetricArray, readBatch, toTensor } from './metric-array.js';
import { METRIC_REDUCTIONS, type MetricReduction, doMetricReduction } from './metric-reduction.js';
import { firstChannel } from './mean-iou.js';
import { rejectSpacing } from './reducing-metric.js';
import type { TensorLayout } from '../../src/backend/tensor-data.js';

/** The short names MONAI maps every confusion-matrix metric name to. */
type MetricCode =
  | 'tpr'
  | 'tnr'
  | 'ppv'
  | 'npv'
  | 'fnr'
  | 'fpr'
  | 'fdr'
  | 'for'
  | 'pt'
  | 'ts'
  | 'acc'
  | 'ba'
  | 'f1'
  | 'mcc'
  | 'fm'
  | 'bm'
  | 'mk';

const NAMES: Record<MetricCode, readonly string[]> = {
  tpr: ['sensitivity', 'recall', 'hit_rate', 'true_positive_rate', 'tpr'],
  tnr: ['specificity', 'selectivity', 'true_negative_rate', 'tnr'],
  ppv: ['precision', 'positive_predictive_value', 'ppv'],
  npv: ['negative_predictive_value', 'npv'],
  fnr: ['miss_rate', 'false_negative_rate', 'fnr'],
  fpr: ['fall_out', 'false_positive_rate', 'fpr'],
  fdr: ['false_discovery_rate', 'fdr'],
  for: ['false_omission_rate', 'for'],
  pt: ['prevalence_threshold', 'pt'],
  ts: ['threat_score', 'critical_success_index', 'ts', 'csi'],
  acc: ['accuracy', 'acc'],
  ba: ['balanced_accuracy', 'ba'],
  f1: ['f1_score', 'f1'],
  mcc: ['matthews_correlation_coefficient', 'mcc'],
  fm: ['fowlkes_mallows_index', 'fm'],
  bm: ['informedness', 'bookmaker_informedness', 'bm', 'youden_index', 'youden'],
  mk: ['markedness', 'deltap', 'mk'],
};

/** Every metric name MONAI accepts (spaces may replace underscores, any case). */
export const CONFUSION_METRIC_NAMES: readonly string[] = Object.values(NAMES).flat();

function metricCode(name: string): MetricCode | undefined {
  const key = name.replace(/ /g, '_').toLowerCase();
  return (Object.keys(NAMES) as MetricCode[]).find((c) => NAMES[c].includes(key));
}

/** Options of {@link ConfusionMatrixMetric} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface ConfusionMatrixMetricOptions {
  /** Score channel 0 (background) too. Default true. */
  includeBackground?: boolean;
  /** One name or several (`'sensitivity'`, `'precision'`, `'f1 score'`, … any of MONAI's). Default `'hit_rate'`. */
  metricName?: string | readonly string[];
  /** Compute the metric per item and class before reducing (else reduce the counts first). Default false. */
  computeSample?: boolean;
  /** Reduction of `aggregate()`. Default `'mean'`. */
  reduction?: MetricReduction;
  /** Make `aggregate()` return `[value, notNans]` per metric name. Default false. */
  getNotNans?: boolean;
  /** Layout of `yPred` and `y`. Default `'channelsLast'`. */
  layout?: TensorLayout;
}

/** MONAI's `compute_confusion_matrix_metric` on `[…, 4]` counts `[tp, fp, tn, fn]`. */
function confusionValue(code: MetricCode, tp: number, fp: number, tn: number, fn: number): number {
  const p = tp + fn;
  const n = fp + tn;
  const tpr = () => (p > 0 ? tp / p : NaN);
  const tnr = () => (n > 0 ? tn / n : NaN);
  const ratio = (num: number, den: number) => (den !== 0 ? num / den : NaN);
  switch (code) {
    case 'tpr':
      return ratio(tp, p);
    case 'tnr':
      return ratio(tn, n);
    case 'ppv':
      return ratio(tp, tp + fp);
    case 'npv':
      return ratio(tn, tn + fn);
    case 'fnr':
      return ratio(fn, p);
    case 'fpr':
      return ratio(fp, n);
    case 'fdr':
      return ratio(fp, fp + tp);
    case 'for':
      return ratio(fn, fn + tn);
    case 'pt': {
      const a = tpr();
      const b = tnr();
      return ratio(Math.sqrt(a * (1 - b)) + b - 1, a + b - 1);
    }
    case 'ts':
      return ratio(tp, tp + fn + fp);
    case 'acc':
      return ratio(tp + tn, p + n);
    case 'ba':
      return (tpr() + tnr()) / 2;
    case 'f1':
      return ratio(tp * 2, tp * 2 + fn + fp);
    case 'mcc':
      return ratio(tp * tn - fp * fn, Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)));
    case 'fm': {
      const ppv = tp + fp > 0 ? tp / (tp + fp) : NaN;
      return Math.sqrt(ppv * tpr());
    }
    case 'bm':
      return tpr() + tnr() - 1;
    case 'mk': {
      const ppv = tp + fp > 0 ? tp / (tp + fp) : NaN;
      const npv = tn + fn > 0 ? tn / (tn + fn) : NaN;
      return ppv + npv - 1;
    }
  }
}

/** Applies a metric to every `[tp, fp, tn, fn]` row of `a` (last axis 4); a 1-D input gives shape `[1]`. */
function applyMetric(code: MetricCode, a: MetricArray): MetricArray {
  const rows = a.data.length / 4;
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const d = a.data;
    out[r] = confusionValue(
      code,
      d[4 * r] as number,
      d[4 * r + 1] as number,
      d[4 * r + 2] as number,
      d[4 * r + 3] as number,
    );
  }
  return { data: out, shape: a.shape.length === 1 ? [1] : a.shape.slice(0, -1) };
}

/**
 * MONAI's `ConfusionMatrixMetric`: each call returns `(B, C, 4)` counts `[tp, fp, tn, fn]` of binarized
 * one-hot `yPred` against `y` (`(B, C)` inputs are classification); `aggregate()` returns one tensor per
 * metric name (an array, as MONAI's list).
 *
 * @example
 * const cm = new ConfusionMatrixMetric({ metricName: ['sensitivity', 'precision'], includeBackground: false });
 * (await cm.call(pred, label)).dispose();
 * const [sensitivity, precision] = await cm.aggregate();
 */
export class ConfusionMatrixMetric extends CumulativeMetric {
  readonly layout: TensorLayout;
  readonly includeBackground: boolean;
  readonly metricName: readonly string[];
  readonly reduction: MetricReduction;
  readonly getNotNans: boolean;
  /** Set to false after a classification (`(B, C)`) call, as MONAI does. */
  computeSample: boolean;
  private readonly codes: MetricCode[];

  constructor(options: ConfusionMatrixMetricOptions = {}) {
    super();
    const n = 'ConfusionMatrixMetric';
    rejectUnknownOptions(n, options, [
      'includeBackground',
      'metricName',
      'computeSample',
      'reduction',
      'getNotNans',
      'layout',
    ]);
    this.includeBackground = boolOption(n, 'includeBackground', options.includeBackground, true);
    this.computeSample = boolOption(n, 'computeSample', options.computeSample, false);
    this.reduction = enumOption(n, 'reduction', options.reduction, METRIC_REDUCTIONS, 'mean');
    this.getNotNans = boolOption(n, 'getNotNans', options.getNotNans, false);
    this.layout = layoutOption(n, options.layout);
    const names =
      options.metricName === undefined
        ? ['hit_rate']
        : typeof options.metricName === 'string'
          ? [options.metricName]
          : options.metricName;
    if (!Array.isArray(names) || names.length === 0)
      throw new TrainingOptionError(
        n,
        'metricName',
        `must be a metric name or a non-empty array of them, got ${show(options.metricName)}`,
      );
    this.codes = names.map((name: unknown) => {
      const code = typeof name === 'string' ? metricCode(name) : undefined;
      if (!code)
        throw new TrainingOptionError(
          n,
          'metricName',
          `has unknown metric ${show(name)}; valid: ${CONFUSION_METRIC_NAMES.join(', ')}`,
        );
      return code;
    });
    this.metricName = [...names];
  }

  protected async compute(yPred: tf.Tensor, y: tf.Tensor, options: MetricCallOptions): Promise<MetricArray> {
    const n = 'ConfusionMatrixMetric';
    rejectSpacing(n, options);
    if (yPred.rank < 2)
      throw new TrainingShapeError(n, `y_pred should have at least two dimensions, got [${yPred.shape}]`);
    const p = await readBatch(yPred, this.layout);
    const t = await readBatch(y, this.layout);
    if (p.shape.length === 2 || (p.shape.length === 3 && p.shape[2] === 1)) this.computeSample = false;
    const [b = 0, pc = 1] = p.shape;
    const tc = t.shape[1] ?? 1;
    const fp = firstChannel(this.includeBackground, pc);
    const ft = firstChannel(this.includeBackground, tc);
    const size = p.size;
    if (t.shape[0] !== b || pc - fp !== tc - ft || t.size !== size)
      throw new TrainingShapeError(n, `y_pred [${yPred.shape}] and y [${y.shape}] must have the same shape`);
    const c = pc - fp;
    const out = new Float32Array(b * c * 4);
    for (let i = 0; i < b; i++)
      for (let ch = 0; ch < c; ch++) {
        const po = p.offset(i, ch + fp);
        const to = t.offset(i, ch + ft);
        let tp = 0;
        let tn = 0;
        let pos = 0;
        for (let v = 0; v < size; v++) {
          const yv = t.data[to + v * t.stride] as number;
          const s = (p.data[po + v * p.stride] as number) + yv;
          if (s === 2) tp++;
          else if (s === 0) tn++;
          pos += yv;
        }
        const o = (i * c + ch) * 4;
        out[o] = tp;
        out[o + 1] = size - pos - tn;
        out[o + 2] = tn;
        out[o + 3] = pos - tp;
      }
    return { data: out, shape: [b, c, 4] };
  }

  /**
   * One tensor per metric name (or `[value, notNans]` per name with `getNotNans`), reduced with
   * `reduction` (default: the constructor's).
   */
  async aggregate(reduction?: MetricReduction): Promise<tf.Tensor[] | tf.Tensor[][]> {
    const r = enumOption('ConfusionMatrixMetric', 'reduction', reduction, METRIC_REDUCTIONS, this.reduction);
    const data = this.buffered();
    return this.codes.map((code) => {
      let f: MetricArray;
      let notNans: MetricArray;
      if (this.computeSample) ({ f, notNans } = doMetricReduction(applyMetric(code, data), r));
      else {
        const red = doMetricReduction(data, r);
        f = applyMetric(code, red.f);
        notNans = red.notNans;
      }
      return this.getNotNans ? [toTensor(f), toTensor(notNans)] : toTensor(f);
    }) as tf.Tensor[] | tf.Tensor[][];
  }
}
