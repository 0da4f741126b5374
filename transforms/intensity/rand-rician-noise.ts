import { TransformError } from '../../src/errors.js';
import type { DType } from '../../src/image/dtype.js';
import { castArray } from '../../src/image/dtype.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import type { DataItem } from '../transform.js';
import { channelViews, dtypeOption, meanStd } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';
import { rounder } from '../../src/image/numerics.js';

/** Options of {@link RandRicianNoise}. */
export interface RandRicianNoiseOptions extends RandomizableOptions {
  /** Mean of the two Gaussians (one per channel with `channelWise`; default 0). */
  mean?: number | readonly number[];
  /** Their standard deviation, or its upper bound with `sampleStd` (per channel allowed; default 1). */
  std?: number | readonly number[];
  /** Draw per channel (default false). */
  channelWise?: boolean;
  /** `std` is relative to the image's (unbiased) standard deviation (default false). */
  relative?: boolean;
  /** Draw the standard deviation uniformly from [0, std) (default true). */
  sampleStd?: boolean;
  /** Compute dtype (default `'float32'`). */
  dtype?: DType | null;
}

/**
 * Adds Rician noise (MONAI `RandRicianNoise`): `sqrt((x + n1)² + n2²)` with two Gaussian fields drawn
 * as MONAI does: `R.rand() < prob`, then per channel (or once) `[R.uniform(0, std)]`, `R.normal` × 2.
 *
 * @example
 * await new RandRicianNoise({ prob: 1, std: 0.05, relative: true }).setRandomState(0).apply(img);
 */
export class RandRicianNoise extends RandImageTransform<RandRicianNoiseOptions> {
  constructor(options: RandRicianNoiseOptions = {}) {
    dtypeOption('RandRicianNoise', options.dtype);
    const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    for (const k of ['mean', 'std'] as const) {
      const v = options[k];
      if (v !== undefined && !isNum(v) && !(Array.isArray(v) && v.every(isNum)))
        throw new TransformError(
          'RandRicianNoise',
          undefined,
          `${k} must be a number or one number per channel`,
        );
      if (Array.isArray(v) && !options.channelWise)
        throw new TransformError('RandRicianNoise', undefined, `${k} as a list needs channelWise: true`);
    }
    super(options);
  }

  /** Only `R.rand() < prob`: the noise is drawn while applying (MONAI's order). */
  randomizeFor(): void {
    this.randomize();
  }

  private addNoise(x: Float32Array | Float64Array, mean: number, std: number): void {
    const o = this.options;
    const s = (o.sampleStd ?? true) ? this.R.uniform(0, std) : std;
    const f = rounder(x instanceof Float32Array ? 'float32' : 'float64');
    const n1 = this.R.normalArray(x.length, mean, s);
    const n2 = this.R.normalArray(x.length, mean, s);
    for (let i = 0; i < x.length; i++) {
      const a = f((x[i] as number) + f(n1[i] as number));
      const b = f(n2[i] as number);
      x[i] = f(Math.sqrt(f(f(a * a) + f(b * b))));
    }
  }

  transformImage(img: MetaImage): MetaImage {
    const o = this.options;
    const dtype = dtypeOption(this.name, o.dtype, 'float32') ?? img.dtype;
    const data = castArray(img.data, dtype, true) as Float32Array | Float64Array;
    const mean = o.mean ?? 0;
    const std = o.std ?? 1;
    const f = dtype === 'float64' ? (v: number) => v : Math.fround;
    if (o.channelWise) {
      const views = channelViews(data, img.shape);
      views.forEach((v, c) => {
        const m = typeof mean === 'number' ? mean : (mean[c] ?? (mean[0] as number));
        const s0 = typeof std === 'number' ? std : (std[c] ?? (std[0] as number));
        const s = o.relative ? f(s0 * f(meanStd(v, 1).std)) : s0;
        this.addNoise(v, m, s);
      });
    } else {
      const s = o.relative ? (std as number) * f(meanStd(data, 1).std) : (std as number);
      this.addNoise(data, mean as number, s);
    }
    return img.clone({ data, dtype });
  }
}

/** Options of {@link RandRicianNoised}. */
export interface RandRicianNoisedOptions extends MapTransformOptions, RandRicianNoiseOptions {}

/** Dictionary twin of {@link RandRicianNoise}: new noise for each key (as MONAI). */
export class RandRicianNoised extends RandImageMapTransform<RandRicianNoise, RandRicianNoisedOptions> {
  constructor(options: RandRicianNoisedOptions) {
    super(options, new RandRicianNoise(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }

  /** The first key uses the inner draw the base made; every further key draws `rand()` and noise again. */
  protected override transformKey(img: MetaImage, key: string, d: DataItem): MetaImage {
    return key === this.keyIterator(d)[0] ? this.inner.transformImage(img) : this.inner.run(img, true);
  }
}
