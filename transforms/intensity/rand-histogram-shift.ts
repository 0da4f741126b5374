import { numpyLinspace } from '../../src/image/linspace.js';
import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { histogramShift } from './histogram-shift.js';
import { describe } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandHistogramShift}. */
export interface RandHistogramShiftOptions extends RandomizableOptions {
  /** Number of control points (>= 3), or `[min, max]` to draw it (default 10). */
  numControlPoints?: number | readonly [number, number];
}

function controlPoints(name: string, v: unknown): [number, number] {
  if (v === undefined) return [10, 10];
  const ok = (x: unknown) => typeof x === 'number' && Number.isInteger(x);
  if (ok(v)) {
    if ((v as number) <= 2)
      throw new TransformError(name, undefined, `numControlPoints must be at least 3, got ${describe(v)}`);
    return [v as number, v as number];
  }
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) {
    if (Math.min(v[0], v[1]) <= 2)
      throw new TransformError(name, undefined, `numControlPoints must be at least 3, got ${describe(v)}`);
    return [Math.min(v[0], v[1]), Math.max(v[0], v[1])];
  }
  throw new TransformError(
    name,
    undefined,
    `numControlPoints must be an integer or a pair of integers, got ${describe(v)}`,
  );
}

/**
 * Random non-linear histogram shift (MONAI `RandHistogramShift`): after `R.rand() < prob`, the number
 * of control points is drawn with `R.randint(min, max + 1)` and each inner control point moved with
 * `R.uniform(previous, next)`; intensities are mapped piecewise-linearly.
 *
 * @example
 * await new RandHistogramShift({ numControlPoints: [5, 15], prob: 1 }).apply(img);
 */
export class RandHistogramShift extends RandImageTransform<RandHistogramShiftOptions> {
  readonly numControlPoints: [number, number];
  /** The last reference control points (in [0, 1]). */
  referenceControlPoints: number[] = [];
  /** The last floating control points (where the reference points move to). */
  floatingControlPoints: number[] = [];

  constructor(options: RandHistogramShiftOptions = {}) {
    checkedOptions(new.target.name, options);
    const n = controlPoints('RandHistogramShift', options.numControlPoints);
    super(options);
    this.numControlPoints = n;
  }

  randomizeFor(_img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    const n = this.R.randint(this.numControlPoints[0], this.numControlPoints[1] + 1);
    this.referenceControlPoints = Array.from(numpyLinspace(0, 1, n));
    const fl = [...this.referenceControlPoints];
    for (let i = 1; i < n - 1; i++) fl[i] = this.R.uniform(fl[i - 1] as number, fl[i + 1] as number);
    this.floatingControlPoints = fl;
  }

  transformImage(img: MetaImage): MetaImage {
    if (this.referenceControlPoints.length === 0)
      throw new TransformError(this.name, undefined, 'no control points drawn yet: call randomize first');
    return histogramShift(img, this.referenceControlPoints, this.floatingControlPoints);
  }
}

/** Options of {@link RandHistogramShiftd}. */
export interface RandHistogramShiftdOptions extends MapTransformOptions, RandHistogramShiftOptions {}

/** Dictionary twin of {@link RandHistogramShift}: the same mapping for all keys. */
export class RandHistogramShiftd extends RandImageMapTransform<
  RandHistogramShift,
  RandHistogramShiftdOptions
> {
  constructor(options: RandHistogramShiftdOptions) {
    super(options, new RandHistogramShift(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
