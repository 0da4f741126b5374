import type * as tf from '@tensorflow/tfjs-core';
import type { TensorLayout } from '../../src/backend/tensor-data.js';
import { boolOption, enumOption, layoutOption, rejectUnknownOptions } from '../options.js';
import { TrainingError } from '../training-error.js';
import { CumulativeMetric, type MetricCallOptions } from './cumulative-metric.js';
import { toTensor } from './metric-array.js';
import { METRIC_REDUCTIONS, type MetricReduction, doMetricReduction } from './metric-reduction.js';

/** Options every `(B, C)`-valued metric takes. */
export interface ReducingMetricOptions {
  /** How {@link ReducingMetric.aggregate} reduces the buffered `(B, C)` values. Default `'mean'`. */
  reduction?: MetricReduction;
  /** Make `aggregate()` return `[value, notNans]` (counts of non-NaN entries). Default false. */
  getNotNans?: boolean;
  /** Layout of `yPred` and `y`. Default `'channelsLast'`. */
  layout?: TensorLayout;
}

/** A cumulative metric whose per-batch values `(B, C)` are aggregated with MONAI's `do_metric_reduction`. */
export abstract class ReducingMetric extends CumulativeMetric {
  readonly layout: TensorLayout;
  /** Default reduction of {@link aggregate}. */
  readonly reduction: MetricReduction;
  /** Whether {@link aggregate} also returns the non-NaN counts. */
  readonly getNotNans: boolean;

  protected constructor(component: string, options: ReducingMetricOptions, known: readonly string[]) {
    super();
    rejectUnknownOptions(component, options, ['reduction', 'getNotNans', 'layout', ...known]);
    this.reduction = enumOption(component, 'reduction', options.reduction, METRIC_REDUCTIONS, 'mean');
    this.getNotNans = boolOption(component, 'getNotNans', options.getNotNans, false);
    this.layout = layoutOption(component, options.layout);
  }

  /**
   * The buffered values reduced with `reduction` (default: the constructor's): a tensor, or
   * `[value, notNans]` with `getNotNans`.
   */
  async aggregate(reduction?: MetricReduction): Promise<tf.Tensor | tf.Tensor[]> {
    const r = enumOption(this.constructor.name, 'reduction', reduction, METRIC_REDUCTIONS, this.reduction);
    const { f, notNans } = doMetricReduction(this.buffered(), r);
    return this.getNotNans ? [toTensor(f), toTensor(notNans)] : toTensor(f);
  }
}

/** Throws when a metric that has no use for `spacing` is given one. */
export function rejectSpacing(component: string, options: MetricCallOptions): void {
  if (options.spacing !== undefined)
    throw new TrainingError(component, 'takes no spacing (only the distance metrics use it)');
}
