import { TransformError } from '../../src/errors.js';
import type { DType } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { applyBiasField, biasFieldCoeffCount } from './bias-field.js';
import { describe, dtypeOption } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandBiasField}. */
export interface RandBiasFieldOptions extends RandomizableOptions {
  /** Degree of the Legendre polynomials (>= 1, default 3). */
  degree?: number;
  /** Range of the random coefficients (default `[0, 0.1]`). */
  coeffRange?: readonly [number, number];
  /** Output dtype (default `'float32'`; null keeps the input dtype). */
  dtype?: DType | null;
}

/**
 * Random MR bias field (MONAI `RandBiasField`): after `R.rand() < prob`, C(degree + ndim, ndim)
 * coefficients are drawn with `R.uniform(low, high, n)` and every channel is multiplied by
 * `exp(field)`. 2D and 3D images.
 *
 * @example
 * await new RandBiasField({ coeffRange: [0, 0.2], prob: 1 }).apply(img);
 */
export class RandBiasField extends RandImageTransform<RandBiasFieldOptions> {
  readonly degree: number;
  readonly coeffRange: [number, number];
  readonly dtype: DType | null;
  /** The last drawn coefficients. */
  coeff: number[] = [1];

  constructor(options: RandBiasFieldOptions = {}) {
    checkedOptions(new.target.name, options);
    const name = 'RandBiasField';
    const degree = options.degree ?? 3;
    if (!Number.isInteger(degree) || degree < 1)
      throw new TransformError(name, undefined, `degree must be an integer >= 1, got ${describe(degree)}`);
    const cr = options.coeffRange ?? [0, 0.1];
    if (
      !Array.isArray(cr) ||
      cr.length !== 2 ||
      !cr.every((x) => typeof x === 'number' && Number.isFinite(x))
    )
      throw new TransformError(name, undefined, `coeffRange must be a pair of numbers, got ${describe(cr)}`);
    super(options);
    this.degree = degree;
    this.coeffRange = [cr[0], cr[1]];
    this.dtype = dtypeOption(name, options.dtype);
  }

  randomizeFor(img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    const n = biasFieldCoeffCount(this.degree, img.spatialDims);
    this.coeff = Array.from(this.R.uniformArray(this.coeffRange[0], this.coeffRange[1], n));
  }

  transformImage(img: MetaImage): MetaImage {
    return applyBiasField(img, this.degree, this.coeff, this.dtype);
  }
}

/** Options of {@link RandBiasFieldd}. */
export interface RandBiasFielddOptions extends MapTransformOptions, RandBiasFieldOptions {}

/** Dictionary twin of {@link RandBiasField}: the same field for all keys. */
export class RandBiasFieldd extends RandImageMapTransform<RandBiasField, RandBiasFielddOptions> {
  constructor(options: RandBiasFielddOptions) {
    super(options, new RandBiasField(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
