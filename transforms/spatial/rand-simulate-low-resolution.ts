import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { MapTransformOptions } from '../map-transform.js';
import { RandImageMapTransform, RandImageTransform } from '../intensity/rand-intensity-base.js';
import type { RandomizableOptions } from '../randomizable.js';
import type { DataItem } from '../transform.js';
import { type InterpolateMode, interpolateMode } from './common.js';
import { resize } from './resize.js';
import { checkedOptions, passOn } from '../option-check.js';
import { roundHalfEven } from '../../src/image/numerics.js';

/** Options of {@link RandSimulateLowResolution}. */
export interface RandSimulateLowResolutionOptions extends RandomizableOptions {
  /** Interpolation down (default `'nearest'`). */
  downsampleMode?: InterpolateMode;
  /** Interpolation back up (default `'trilinear'`). */
  upsampleMode?: InterpolateMode;
  /** Range of the zoom factor (default [0.5, 1.0]). */
  zoomRange?: readonly [number, number];
  /** torch `align_corners` of the upsampling (default false; must be null with `'nearest'`, as MONAI). */
  alignCorners?: boolean | null;
}

function check(o: RandSimulateLowResolutionOptions, where: string): void {
  interpolateMode(o.downsampleMode ?? 'nearest', where);
  const up = interpolateMode(o.upsampleMode ?? 'trilinear', where);
  const z = o.zoomRange ?? [0.5, 1.0];
  if (!Array.isArray(z) || z.length !== 2 || !z.every((v) => typeof v === 'number' && v > 0))
    throw new TransformError(where, undefined, 'zoomRange must be a pair of positive numbers');
  if ((up === 'nearest' || up === 'nearest-exact' || up === 'area') && o.alignCorners !== null)
    throw new TransformError(
      where,
      undefined,
      `alignCorners must be null with upsampleMode '${up}' (as torch and MONAI)`,
    );
}

/**
 * Simulates a low-resolution acquisition (MONAI `RandSimulateLowResolution`): `R.rand() < prob`, then
 * (always, as MONAI) `zoom = R.uniform(range)`; when it fires, the image is resized to
 * `round(shape * zoom)` with `downsampleMode` and back with `upsampleMode`. Geometry and meta are kept.
 *
 * @example
 * await new RandSimulateLowResolution({ prob: 1, zoomRange: [0.5, 0.7] }).setRandomState(0).apply(img);
 */
export class RandSimulateLowResolution extends RandImageTransform<RandSimulateLowResolutionOptions> {
  /** The last drawn zoom factor. */
  zoomFactor = 1;

  constructor(options: RandSimulateLowResolutionOptions = {}) {
    checkedOptions(new.target.name, options);
    check(options, 'RandSimulateLowResolution');
    super(options);
  }

  randomizeFor(): void {
    this.randomize();
    const [lo, hi] = this.options.zoomRange ?? [0.5, 1.0];
    this.zoomFactor = this.R.uniform(lo, hi);
  }

  transformImage(img: MetaImage): MetaImage {
    const o = this.options;
    const inShape = img.spatialShape;
    const target = inShape.map((s) => roundHalfEven(s * this.zoomFactor));
    const down = resize(img, { spatialSize: target, mode: o.downsampleMode ?? 'nearest' }, null, this.name);
    const up = resize(
      down,
      {
        spatialSize: inShape,
        mode: o.upsampleMode ?? 'trilinear',
        alignCorners: o.alignCorners === undefined ? false : o.alignCorners,
      },
      null,
      this.name,
    );
    return img.clone({ data: up.data, dtype: up.dtype });
  }
}

/** Options of {@link RandSimulateLowResolutiond}. */
export interface RandSimulateLowResolutiondOptions
  extends MapTransformOptions, RandSimulateLowResolutionOptions {}

/**
 * Dictionary twin of {@link RandSimulateLowResolution}: one zoom for all keys. As MONAI, the inner
 * transform draws (`rand()` and the zoom) on every call, also when the wrapper does not fire.
 */
export class RandSimulateLowResolutiond extends RandImageMapTransform<
  RandSimulateLowResolution,
  RandSimulateLowResolutiondOptions
> {
  constructor(options: RandSimulateLowResolutiondOptions) {
    checkedOptions(new.target.name, options);
    check(options, 'RandSimulateLowResolutiond');
    super(
      options,
      new RandSimulateLowResolution(passOn({ ...checkedOptions(new.target.name, options), prob: 1 })),
    );
  }

  override async apply(data: DataItem): Promise<DataItem> {
    const keys = this.keyIterator(data);
    if (keys.length === 0) return { ...data };
    this.randomize();
    this.inner.randomizeFor();
    if (!this.doTransform) return { ...data };
    return this.mapImages(data, (img) => this.inner.transformImage(img));
  }
}
