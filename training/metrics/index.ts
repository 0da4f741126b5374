/** Metrics on tfjs tensors with MONAI 1.4's cumulative interface (`csc-mlops/metrics`). */
export { CumulativeMetric } from './cumulative-metric.js';
export type { MetricCallOptions, Spacing } from './cumulative-metric.js';
export { ReducingMetric } from './reducing-metric.js';
export type { ReducingMetricOptions } from './reducing-metric.js';
export type { MetricReduction } from './metric-reduction.js';
export { DiceMetric } from './dice-metric.js';
export type { DiceMetricOptions } from './dice-metric.js';
export { MeanIoU } from './mean-iou.js';
export type { MeanIoUOptions } from './mean-iou.js';
export { TrainingError, TrainingOptionError, TrainingShapeError } from '../training-error.js';
