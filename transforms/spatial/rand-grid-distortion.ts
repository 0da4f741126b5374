import { TransformError } from '../../src/errors.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import type { GridSampleMode, GridSamplePadding } from '../../src/image/resample.js';
import type { MapTransformOptions } from '../map-transform.js';
import { RandImageMapTransform, RandImageTransform } from '../intensity/rand-intensity-base.js';
import type { RandomizableOptions } from '../randomizable.js';
import { perKey } from '../map-transform.js';
import { gridMode, gridPadding, resampleDense } from './common.js';
import { torchLinspace } from '../../src/image/linspace.js';
import { meshgridDense } from '../../src/image/dense-grid.js';
import { checkedOptions } from '../option-check.js';

/**
 * MONAI `GridDistortion`: per spatial axis, `numCells` cells whose widths are scaled by
 * `distortSteps[axis][cell]` (float32 `linspace` per cell, centred), the meshgrid of those coordinates
 * resampled as MONAI's `Resample` (norm_coords). Float32 out.
 */
export function gridDistortion(
  img: MetaImage,
  numCells: number | readonly number[],
  distortSteps: readonly (readonly number[])[],
  mode: GridSampleMode = 'bilinear',
  paddingMode: GridSamplePadding = 'border',
  where = 'GridDistortion',
): MetaImage {
  const sp = img.spatialShape;
  if (distortSteps.length !== sp.length)
    throw new TransformError(
      where,
      undefined,
      `distortSteps has ${distortSteps.length} axes for ${sp.length} spatial dims`,
    );
  const cells = typeof numCells === 'number' ? sp.map(() => numCells) : [...numCells];
  const f = Math.fround;
  const axes = sp.map((size, a) => {
    const steps = distortSteps[a] as readonly number[];
    const n = cells[a] as number;
    const ranges = new Float64Array(size);
    const cell = Math.floor(size / n);
    let prev = 0;
    for (let i = 0; i <= n; i++) {
      const start = i * cell;
      let end = start + cell;
      let cur: number;
      if (end > size) {
        end = size;
        cur = size;
      } else cur = prev + cell * (steps[i] as number);
      if (end > start) ranges.set(torchLinspace(prev, cur, end - start, f), start);
      prev = cur;
    }
    const c = (size - 1) / 2;
    return ranges.map((v) => f(v - c));
  });
  return resampleDense(img, meshgridDense(axes), mode, paddingMode);
}

/** Options of {@link RandGridDistortion}. */
export interface RandGridDistortionOptions extends RandomizableOptions {
  /** Number of cells per spatial axis (default 5). */
  numCells?: number | readonly number[];
  /** Range of each cell's distortion: `[min, max]`, or `x` for `[-x, x]` (default [-0.03, 0.03]). */
  distortLimit?: number | readonly [number, number];
  /** Interpolation (default `'bilinear'`). */
  mode?: GridSampleMode;
  /** Padding (default `'border'`). */
  paddingMode?: GridSamplePadding;
}

function limit(v: unknown, where: string): [number, number] {
  if (v === undefined) return [-0.03, 0.03];
  if (typeof v === 'number' && Number.isFinite(v)) return [Math.min(-v, v), Math.max(-v, v)];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    return [Math.min(v[0], v[1]), Math.max(v[0], v[1])];
  throw new TransformError(where, undefined, 'distortLimit must be a number or a pair [min, max]');
}

/**
 * Random grid distortion (MONAI `RandGridDistortion`): `R.rand() < prob`, then per spatial axis
 * `1 + R.uniform(min, max, numCells + 1)`.
 *
 * @example
 * await new RandGridDistortion({ numCells: 4, distortLimit: 0.2, prob: 1 }).setRandomState(0).apply(img);
 */
export class RandGridDistortion extends RandImageTransform<RandGridDistortionOptions> {
  readonly distortLimit: [number, number];
  /** The last drawn steps, per spatial axis. */
  distortSteps: number[][] = [];

  constructor(options: RandGridDistortionOptions = {}) {
    checkedOptions(new.target.name, options);
    const l = limit(options.distortLimit, 'RandGridDistortion');
    gridMode(options.mode ?? 'bilinear', 'RandGridDistortion');
    gridPadding(options.paddingMode ?? 'border', 'RandGridDistortion');
    super(options);
    this.distortLimit = l;
  }

  randomizeFor(img: MetaImage): void {
    this.randomize();
    if (!this.doTransform) return;
    const nc = this.options.numCells ?? 5;
    const cells = typeof nc === 'number' ? img.spatialShape.map(() => nc) : [...nc];
    this.distortSteps = cells.map((n) =>
      Array.from(this.R.uniformArray(this.distortLimit[0], this.distortLimit[1], n + 1), (v) => 1 + v),
    );
  }

  /** Distorts with the last draw, in `mode`/`paddingMode` (default: the options'). */
  distort(img: MetaImage, mode?: GridSampleMode, paddingMode?: GridSamplePadding): MetaImage {
    const o = this.options;
    return gridDistortion(
      img,
      o.numCells ?? 5,
      this.distortSteps,
      mode ?? o.mode ?? 'bilinear',
      paddingMode ?? o.paddingMode ?? 'border',
      this.name,
    );
  }

  transformImage(img: MetaImage): MetaImage {
    return this.distort(img);
  }
}

/** Options of {@link RandGridDistortiond}: mode and paddingMode may be given per key. */
export interface RandGridDistortiondOptions
  extends MapTransformOptions, Omit<RandGridDistortionOptions, 'mode' | 'paddingMode'> {
  mode?: GridSampleMode | readonly GridSampleMode[];
  paddingMode?: GridSamplePadding | readonly GridSamplePadding[];
}

/** Dictionary twin of {@link RandGridDistortion}: one draw (from the first key) for all keys. */
export class RandGridDistortiond extends RandImageMapTransform<
  RandGridDistortion,
  RandGridDistortiondOptions
> {
  private readonly modes: GridSampleMode[];
  private readonly pads: GridSamplePadding[];

  constructor(options: RandGridDistortiondOptions) {
    super(
      options,
      new RandGridDistortion({ numCells: options.numCells, distortLimit: options.distortLimit, prob: 1 }),
    );
    this.modes = perKey(options.mode ?? 'bilinear', this.keys, this.name, 'mode').map((m) =>
      gridMode(m, this.name),
    );
    this.pads = perKey(options.paddingMode ?? 'border', this.keys, this.name, 'paddingMode').map((p) =>
      gridPadding(p, this.name),
    );
  }

  protected override transformKey(img: MetaImage, key: string): MetaImage {
    const i = this.keys.indexOf(key);
    return this.inner.distort(img, this.modes[i], this.pads[i]);
  }
}
