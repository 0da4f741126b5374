import { boolOption, numberOption } from '../options.js';
import { type DistanceMetricOptions, SurfaceDistanceBase } from './distance-metric.js';

/** Options of {@link HausdorffDistanceMetric} (MONAI 1.4's arguments in camelCase, same defaults). */
export interface HausdorffDistanceMetricOptions extends DistanceMetricOptions {
  /** Percentile (0–100) of the distances instead of their maximum (e.g. 95 for HD95). Default: maximum. */
  percentile?: number;
  /** Only prediction → ground truth distances. Default false (symmetric). */
  directed?: boolean;
}

/**
 * torch.quantile (linear interpolation, in float32) of a non-empty array; NaN in, NaN out, and
 * ±inf neighbours interpolate to NaN as in torch's `lerp`.
 */
export function torchQuantile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.some(Number.isNaN)) return NaN;
  const q32 = Math.fround(q);
  const rank = Math.fround(q32 * (sorted.length - 1));
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const w = Math.fround(rank - lo);
  const a = Math.fround(sorted[lo] as number);
  const b = Math.fround(sorted[hi] as number);
  const lerp = w < 0.5 ? a + w * Math.fround(b - a) : b - Math.fround(b - a) * Math.fround(1 - w);
  return Math.fround(lerp);
}

/**
 * MONAI's `HausdorffDistanceMetric` on binarized one-hot `yPred` and `y`: per item and class the
 * largest (or `percentile`) distance between the two surfaces (edge voxels); NaN when the class is
 * empty in both, +inf when in one only — but NaN with a `percentile`, as in MONAI 1.4 (torch.quantile
 * interpolates inf − inf; MONAI issue #9095), so `aggregate` skips such misses. Pass `{ spacing }` to
 * `call` for distances in mm.
 *
 * @example
 * const hd95 = new HausdorffDistanceMetric({ percentile: 95 });
 * (await hd95.call(pred, label, { spacing: [1.5, 1.5, 2] })).dispose();
 * const mean = await hd95.aggregate();
 */
export class HausdorffDistanceMetric extends SurfaceDistanceBase {
  readonly percentile: number | undefined;
  readonly directed: boolean;

  constructor(options: HausdorffDistanceMetricOptions = {}) {
    super('HausdorffDistanceMetric', options, ['percentile', 'directed']);
    this.percentile =
      options.percentile === undefined
        ? undefined
        : numberOption('HausdorffDistanceMetric', 'percentile', options.percentile, 0, 0, 100);
    this.directed = boolOption('HausdorffDistanceMetric', 'directed', options.directed, false);
  }

  protected reduceDistances(
    pred: Uint8Array,
    gt: Uint8Array,
    shape: number[],
    spacing: number[] | undefined,
  ): number {
    const sets = [this.distances(pred, gt, shape, spacing)];
    if (!this.directed) sets.push(this.distances(gt, pred, shape, spacing));
    let result = -Infinity;
    for (const d of sets) {
      let v: number;
      if (d.length === 0) v = NaN;
      else if (!this.percentile) v = d.reduce((m, x) => (x > m ? x : m), -Infinity);
      else v = torchQuantile(d, this.percentile / 100);
      if (Number.isNaN(v) || Number.isNaN(result)) result = NaN;
      else result = Math.max(result, v);
    }
    return result;
  }
}
