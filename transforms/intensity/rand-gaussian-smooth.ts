import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { type GaussianApprox, checkGaussianApprox } from './gaussian-filter.js';
import { gaussianSmooth } from './gaussian-smooth.js';
import { describe } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandGaussianSmooth}. */
export interface RandGaussianSmoothOptions extends RandomizableOptions {
  /** Range of sigma on the first spatial axis (default `[0.25, 1.5]`). */
  sigmaX?: readonly [number, number];
  /** Range of sigma on the second spatial axis (default `[0.25, 1.5]`). */
  sigmaY?: readonly [number, number];
  /** Range of sigma on the third spatial axis (default `[0.25, 1.5]`). */
  sigmaZ?: readonly [number, number];
  /** Discrete kernel: `'erf'` (default), `'sampled'` or `'scalespace'`. */
  approx?: GaussianApprox;
}

function range(name: string, option: string, v: unknown): [number, number] {
  if (v === undefined) return [0.25, 1.5];
  if (
    Array.isArray(v) &&
    v.length === 2 &&
    v.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)
  )
    return [v[0], v[1]];
  throw new TransformError(
    name,
    undefined,
    `${option} must be a pair of positive numbers [low, high], got ${describe(v)}`,
  );
}

/**
 * Gaussian smoothing with random sigmas (MONAI `RandGaussianSmooth`): after `R.rand() < prob`, one
 * `R.uniform` per axis x, y, z is drawn (always three, as MONAI) and the first `ndim` are used.
 *
 * @example
 * await new RandGaussianSmooth({ sigmaX: [0.5, 1], sigmaY: [0.5, 1], prob: 1 }).apply(img);
 */
export class RandGaussianSmooth extends RandImageTransform<RandGaussianSmoothOptions> {
  readonly sigmaX: [number, number];
  readonly sigmaY: [number, number];
  readonly sigmaZ: [number, number];
  readonly approx: GaussianApprox;
  /** The last drawn sigmas (x, y, z). */
  sigma: [number, number, number];

  constructor(options: RandGaussianSmoothOptions = {}) {
    checkedOptions(new.target.name, options);
    const name = 'RandGaussianSmooth';
    const sx = range(name, 'sigmaX', options.sigmaX);
    const sy = range(name, 'sigmaY', options.sigmaY);
    const sz = range(name, 'sigmaZ', options.sigmaZ);
    checkGaussianApprox(name, options.approx);
    super(options);
    this.sigmaX = sx;
    this.sigmaY = sy;
    this.sigmaZ = sz;
    this.approx = options.approx ?? 'erf';
    this.sigma = [sx[0], sy[0], sz[0]];
  }

  randomizeFor(_img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    this.sigma = [
      this.R.uniform(this.sigmaX[0], this.sigmaX[1]),
      this.R.uniform(this.sigmaY[0], this.sigmaY[1]),
      this.R.uniform(this.sigmaZ[0], this.sigmaZ[1]),
    ];
  }

  transformImage(img: MetaImage): MetaImage {
    const nd = img.spatialDims;
    if (nd > 3)
      throw new TransformError(this.name, undefined, `supports 1 to 3 spatial dimensions, got ${nd}`);
    return gaussianSmooth(img, { sigma: this.sigma.slice(0, nd), approx: this.approx });
  }
}

/** Options of {@link RandGaussianSmoothd}. */
export interface RandGaussianSmoothdOptions extends MapTransformOptions, RandGaussianSmoothOptions {}

/** Dictionary twin of {@link RandGaussianSmooth}: the same sigmas for all keys. */
export class RandGaussianSmoothd extends RandImageMapTransform<
  RandGaussianSmooth,
  RandGaussianSmoothdOptions
> {
  constructor(options: RandGaussianSmoothdOptions) {
    super(options, new RandGaussianSmooth(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
