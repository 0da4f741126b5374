import type * as tf from '@tensorflow/tfjs-core';
import { boolOption, enumOption } from '../options.js';
import { TrainingError, TrainingShapeError } from '../training-error.js';
import type { MetricCallOptions, MetricSpacing } from './cumulative-metric.js';
import type { DistanceMetric } from './distance-transform.js';
import { type MetricArray, checkPair, readBatch } from './metric-array.js';
import { firstChannel } from './mean-iou.js';
import { ReducingMetric, type ReducingMetricOptions } from './reducing-metric.js';
import { maskEdgePair, surfaceDistances } from './surface-distance.js';

/** Options shared by the surface-distance metrics. */
export interface DistanceMetricOptions extends ReducingMetricOptions {
  /** Score channel 0 (background) too. Default false. */
  includeBackground?: boolean;
  /** `'euclidean'` (default, uses `spacing`), `'chessboard'` or `'taxicab'` (in voxels). */
  distanceMetric?: DistanceMetric;
}

/**
 * MONAI's `prepare_spacing`: one spacing (or none) per batch item, each a number per spatial axis.
 */
export function prepareSpacing(
  component: string,
  spacing: MetricSpacing | undefined,
  batch: number,
  dims: number,
): (number[] | undefined)[] {
  if (spacing === undefined) return Array.from({ length: batch }, () => undefined);
  const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;
  if (isNum(spacing)) return Array.from({ length: batch }, () => Array.from({ length: dims }, () => spacing));
  if (Array.isArray(spacing) && spacing.length > 0 && spacing.every(isNum)) {
    if (spacing.length !== dims)
      throw new TrainingError(component, `spacing has ${spacing.length} values for ${dims} spatial axes`);
    return Array.from({ length: batch }, () => [...(spacing as number[])]);
  }
  if (
    Array.isArray(spacing) &&
    spacing.every((s: unknown) => Array.isArray(s) && s.length === dims && s.every(isNum))
  ) {
    if (spacing.length !== batch)
      throw new TrainingError(component, `spacing has ${spacing.length} entries for a batch of ${batch}`);
    return (spacing as number[][]).map((s) => [...s]);
  }
  throw new TrainingError(
    component,
    `spacing must be a positive number, ${dims} of them (one per spatial axis), or one such array per batch item; got ${JSON.stringify(spacing)}`,
  );
}

/**
 * A metric computed from the surface distances of each (item, class) pair: masks are `== 1` voxels,
 * channel 0 dropped unless `includeBackground`.
 */
export abstract class SurfaceDistanceBase extends ReducingMetric {
  readonly includeBackground: boolean;
  readonly distanceMetric: DistanceMetric;

  protected constructor(component: string, options: DistanceMetricOptions, known: readonly string[]) {
    super(component, options, ['includeBackground', 'distanceMetric', ...known]);
    this.includeBackground = boolOption(component, 'includeBackground', options.includeBackground, false);
    this.distanceMetric = enumOption(
      component,
      'distanceMetric',
      options.distanceMetric,
      ['euclidean', 'chessboard', 'taxicab'],
      'euclidean',
    );
  }

  /** The value of one (item, class) from its edge-to-edge distances. */
  protected abstract reduceDistances(
    predEdges: Uint8Array,
    gtEdges: Uint8Array,
    shape: number[],
    spacing: number[] | undefined,
  ): number;

  protected async compute(yPred: tf.Tensor, y: tf.Tensor, options: MetricCallOptions): Promise<MetricArray> {
    const name = this.constructor.name;
    checkPair(name, yPred, y, this.layout);
    const p = await readBatch(yPred, this.layout);
    const t = await readBatch(y, this.layout);
    const [b = 0, pc = 0, ...spatial] = p.shape;
    const tc = t.shape[1] as number;
    const fp = firstChannel(this.includeBackground, pc);
    const ft = firstChannel(this.includeBackground, tc);
    if (pc - fp !== tc - ft)
      throw new TrainingShapeError(
        name,
        `y_pred [${yPred.shape}] and y [${y.shape}] must have the same channels`,
      );
    const n = pc - fp;
    const size = p.size;
    if (options.spacing !== undefined && this.distanceMetric !== 'euclidean')
      throw new TrainingError(
        name,
        `spacing is only used by the euclidean distance; ${this.distanceMetric} distances are in voxels (drop spacing)`,
      );
    const spacings = prepareSpacing(name, options.spacing, b, spatial.length);
    const out = new Float32Array(b * n);
    const pm = new Uint8Array(size);
    const gm = new Uint8Array(size);
    for (let i = 0; i < b; i++)
      for (let c = 0; c < n; c++) {
        const po = p.offset(i, c + fp);
        const to = t.offset(i, c + ft);
        for (let v = 0; v < size; v++) {
          pm[v] = p.data[po + v * p.stride] === 1 ? 1 : 0;
          gm[v] = t.data[to + v * t.stride] === 1 ? 1 : 0;
        }
        const e = maskEdgePair(pm, gm, spatial);
        out[i * n + c] = this.reduceDistances(e.pred, e.gt, e.shape, spacings[i]);
      }
    return { data: out, shape: [b, n] };
  }

  /** Distances from the edges of `from` to those of `to` with this metric's distance. */
  protected distances(
    from: Uint8Array,
    to: Uint8Array,
    shape: number[],
    spacing: number[] | undefined,
  ): Float64Array {
    return surfaceDistances(from, to, shape, this.distanceMetric, spacing);
  }
}
