import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import type { RandomizableOptions } from '../randomizable.js';
import { adjustContrast } from './adjust-contrast.js';
import { describe } from './intensity-utils.js';
import { RandImageMapTransform, RandImageTransform } from './rand-intensity-base.js';
import { checkedOptions, passOn } from '../option-check.js';

/** Options of {@link RandAdjustContrast}. */
export interface RandAdjustContrastOptions extends RandomizableOptions {
  /** Range of gamma: `[min, max]`, or `g > 0.5` for `[0.5, g]` (default `[0.5, 4.5]`). */
  gamma?: number | readonly [number, number];
  /** Negate the image before and after the gamma transform. */
  invertImage?: boolean;
  /** Restore the input's mean and std afterwards. */
  retainStats?: boolean;
}

function gammaRange(name: string, g: unknown): [number, number] {
  if (g === undefined) return [0.5, 4.5];
  if (typeof g === 'number' && Number.isFinite(g)) {
    if (g <= 0.5)
      throw new TransformError(
        name,
        undefined,
        `a single gamma must be greater than 0.5 (the range is [0.5, gamma]), got ${g}`,
      );
    return [0.5, g];
  }
  if (Array.isArray(g) && g.length === 2 && g.every((x) => typeof x === 'number' && Number.isFinite(x)))
    return [Math.min(g[0], g[1]), Math.max(g[0], g[1])];
  throw new TransformError(
    name,
    undefined,
    `gamma must be a number or a pair of numbers, got ${describe(g)}`,
  );
}

/**
 * Random gamma contrast (MONAI `RandAdjustContrast`): after `R.rand() < prob`, gamma is drawn with
 * `R.uniform(min, max)` and `AdjustContrast` is applied.
 *
 * @example
 * await new RandAdjustContrast({ gamma: [0.7, 1.5], prob: 1 }).apply(img);
 */
export class RandAdjustContrast extends RandImageTransform<RandAdjustContrastOptions> {
  readonly gamma: [number, number];
  readonly invertImage: boolean;
  readonly retainStats: boolean;
  /** The last drawn gamma. */
  gammaValue = 1;

  constructor(options: RandAdjustContrastOptions = {}) {
    checkedOptions(new.target.name, options);
    const gamma = gammaRange('RandAdjustContrast', options.gamma);
    super(options);
    this.gamma = gamma;
    this.invertImage = options.invertImage ?? false;
    this.retainStats = options.retainStats ?? false;
  }

  randomizeFor(_img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    this.gammaValue = this.R.uniform(this.gamma[0], this.gamma[1]);
  }

  transformImage(img: MetaImage): MetaImage {
    return adjustContrast(img, {
      gamma: this.gammaValue,
      invertImage: this.invertImage,
      retainStats: this.retainStats,
    });
  }
}

/** Options of {@link RandAdjustContrastd}. */
export interface RandAdjustContrastdOptions extends MapTransformOptions, RandAdjustContrastOptions {}

/** Dictionary twin of {@link RandAdjustContrast}: one gamma for all keys. */
export class RandAdjustContrastd extends RandImageMapTransform<
  RandAdjustContrast,
  RandAdjustContrastdOptions
> {
  constructor(options: RandAdjustContrastdOptions) {
    super(options, new RandAdjustContrast(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })));
  }
}
