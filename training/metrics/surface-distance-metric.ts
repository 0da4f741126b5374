import { boolOption } from '../options.js';
import { type DistanceMetricOptions, SurfaceDistanceBase } from './distance-metric.js';

/** Options of {@link SurfaceDistanceMetric} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface SurfaceDistanceMetricOptions extends DistanceMetricOptions {
  /** Average both directions (prediction → truth and back). Default false. */
  symmetric?: boolean;
}

/**
 * MONAI's `SurfaceDistanceMetric`: per item and class the mean distance from the predicted surface to
 * the true one (both ways with `symmetric`); NaN when the class is empty in both, +inf in one only.
 *
 * @example
 * const asd = new SurfaceDistanceMetric({ symmetric: true });
 * (await asd.call(pred, label, { spacing: 0.8 })).dispose();
 */
export class SurfaceDistanceMetric extends SurfaceDistanceBase {
  readonly symmetric: boolean;

  constructor(options: SurfaceDistanceMetricOptions = {}) {
    super('SurfaceDistanceMetric', options, ['symmetric']);
    this.symmetric = boolOption('SurfaceDistanceMetric', 'symmetric', options.symmetric, false);
  }

  protected reduceDistances(
    pred: Uint8Array,
    gt: Uint8Array,
    shape: number[],
    spacing: number[] | undefined,
  ): number {
    const d1 = this.distances(pred, gt, shape, spacing);
    const d2 = this.symmetric ? this.distances(gt, pred, shape, spacing) : new Float64Array(0);
    const n = d1.length + d2.length;
    if (n === 0) return NaN;
    let s = 0;
    for (const x of d1) s += x;
    for (const x of d2) s += x;
    return s / n;
  }
}
