import { TransformError } from '../../src/errors.js';
import type { DType } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { addNoise } from './add-noise.js';
import { describe, dtypeOption, requireFinite } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandGaussianNoise}. */
export interface RandGaussianNoiseOptions extends RandomizableOptions {
  /** Mean of the noise (default 0). */
  mean?: number;
  /** Standard deviation of the noise, or its upper bound with `sampleStd` (default 0.1). */
  std?: number;
  /** Draw the standard deviation uniformly from [0, std) on each call (default true, as MONAI). */
  sampleStd?: boolean;
  /** Output dtype (default `'float32'`; null keeps the input dtype). */
  dtype?: DType | null;
}

function check(name: string, o: RandGaussianNoiseOptions): void {
  if (o.mean !== undefined) requireFinite(name, 'mean', o.mean);
  if (o.std !== undefined) {
    requireFinite(name, 'std', o.std);
    if (o.std < 0)
      throw new TransformError(name, undefined, `std must not be negative, got ${describe(o.std)}`);
  }
  dtypeOption(name, o.dtype);
}

/**
 * Adds Gaussian noise (MONAI `RandGaussianNoise`): draws `R.rand() < prob`, then the standard
 * deviation `R.uniform(0, std)` (with `sampleStd`) and the noise `R.normal(mean, std, size)` in
 * float64, which is cast to `dtype` and added to the image cast to `dtype`.
 *
 * @example
 * const noisy = await new RandGaussianNoise({ prob: 1, std: 0.05 }).setRandomState(0).apply(img);
 */
export class RandGaussianNoise extends RandImageTransform<RandGaussianNoiseOptions> {
  readonly mean: number;
  readonly std: number;
  readonly sampleStd: boolean;
  readonly dtype: DType | null;
  /** The last drawn noise, float64 as numpy draws it (null before the first draw). */
  noise: Float64Array | null = null;

  constructor(options: RandGaussianNoiseOptions = {}) {
    checkedOptions(new.target.name, options);
    check('RandGaussianNoise', options);
    super(options);
    this.mean = options.mean ?? 0;
    this.std = options.std ?? 0.1;
    this.sampleStd = options.sampleStd ?? true;
    this.dtype = dtypeOption('RandGaussianNoise', options.dtype);
  }

  randomizeFor(img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    const std = this.sampleStd ? this.R.uniform(0, this.std) : this.std;
    this.noise = this.R.normalArray(img.size, this.mean, std);
  }

  transformImage(img: MetaImage): MetaImage {
    const noise = this.noise;
    if (noise === null)
      throw new TransformError(this.name, undefined, 'no noise drawn yet: call randomize first');
    if (noise.length !== img.size)
      throw new TransformError(
        this.name,
        undefined,
        `the noise was drawn for ${noise.length} voxels but the image has ${img.size} (shape [${img.shape.join(', ')}]); ` +
          'all keys must have the same shape',
      );
    return addNoise(img, noise, this.dtype);
  }
}

/** Options of {@link RandGaussianNoised}. */
export interface RandGaussianNoisedOptions extends MapTransformOptions, RandGaussianNoiseOptions {}

/**
 * Dictionary twin of {@link RandGaussianNoise}: one noise array, drawn from the first key's shape, is
 * added to every key (as MONAI).
 *
 * @example
 * new RandGaussianNoised({ keys: ['image'], prob: 0.5, std: 0.1 })
 */
export class RandGaussianNoised extends RandImageMapTransform<RandGaussianNoise, RandGaussianNoisedOptions> {
  constructor(options: RandGaussianNoisedOptions) {
    checkedOptions(new.target.name, options);
    check('RandGaussianNoised', options);
    super(options, new RandGaussianNoise(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
