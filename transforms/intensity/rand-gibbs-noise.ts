import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { editSpectrum } from './k-space.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/**
 * MONAI `GibbsNoise(alpha)`: zeroes the k-space outside a centred ball of radius
 * `(1 - alpha) * max(shape) * sqrt(2) / 2` (in fftshift-ed voxel coordinates), float32 out.
 */
export function gibbsNoise(img: MetaImage, alpha: number): MetaImage {
  const sp = img.spatialShape;
  const r = ((1 - alpha) * Math.max(...sp) * Math.sqrt(2)) / 2;
  const centre = sp.map((n) => (n - 1) / 2);
  const n = sp.length;
  return editSpectrum(img, (k) => {
    const pos = new Array<number>(n).fill(0);
    const per = k.re.length;
    for (let v = 0; v < per; v++) {
      let d2 = 0;
      for (let a = 0; a < n; a++) d2 += ((pos[a] as number) - (centre[a] as number)) ** 2;
      if (!(Math.sqrt(d2) <= r)) {
        const i = k.indexOfShifted(pos);
        k.re[i] = 0;
        k.im[i] = 0;
      }
      for (let a = n - 1; a >= 0; a--) {
        pos[a] = (pos[a] as number) + 1;
        if ((pos[a] as number) < (sp[a] as number)) break;
        pos[a] = 0;
      }
    }
  });
}

/** Options of {@link RandGibbsNoise}. */
export interface RandGibbsNoiseOptions extends RandomizableOptions {
  /** Range of alpha in [0, 1] (default [0, 1]); 0 leaves the image (almost) unchanged. */
  alpha?: readonly [number, number];
}

/**
 * Gibbs ringing (MONAI `RandGibbsNoise`): `R.rand() < prob`, then `alpha = R.uniform(min, max)`.
 *
 * @example
 * await new RandGibbsNoise({ prob: 1, alpha: [0.4, 0.7] }).setRandomState(0).apply(img);
 */
export class RandGibbsNoise extends RandImageTransform<RandGibbsNoiseOptions> {
  readonly alphaRange: [number, number];
  /** The last drawn alpha. */
  alpha = 0;

  constructor(options: RandGibbsNoiseOptions = {}) {
    const a = options.alpha ?? [0, 1];
    if (
      !Array.isArray(a) ||
      a.length !== 2 ||
      !a.every((x) => typeof x === 'number' && x >= 0 && x <= 1) ||
      a[0] > a[1]
    )
      throw new TransformError('RandGibbsNoise', undefined, 'alpha must be a pair [min, max] within [0, 1]');
    super(options);
    this.alphaRange = [a[0], a[1]];
  }

  randomizeFor(): void {
    this.randomize();
    if (!this.doTransform) return;
    this.alpha = this.R.uniform(this.alphaRange[0], this.alphaRange[1]);
  }

  transformImage(img: MetaImage): MetaImage {
    return gibbsNoise(img, this.alpha);
  }
}

/** Options of {@link RandGibbsNoised}. */
export interface RandGibbsNoisedOptions extends MapTransformOptions, RandGibbsNoiseOptions {}

/** Dictionary twin of {@link RandGibbsNoise}: one alpha for all keys. */
export class RandGibbsNoised extends RandImageMapTransform<RandGibbsNoise, RandGibbsNoisedOptions> {
  constructor(options: RandGibbsNoisedOptions) {
    super(options, new RandGibbsNoise(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
