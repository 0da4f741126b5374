/**
 * MONAI's elastic deformations: `RandDeformGrid`, `Rand2DElastic(d)` (random control-point offsets,
 * bicubic upsampling) and `Rand3DElastic(d)` (Gaussian-smoothed random offsets), each followed by a
 * random affine (`RandAffineGrid`) and resampled in float64 (MONAI's `Resample`); output float32.
 * The draws follow MONAI 1.4, including its repeated draws (the deform grid and the affine grid
 * randomize again when called). Not invertible and the affine is not updated, as in MONAI.
 */
import type { MetaImage } from '../../src/image/meta-image.js';
import {
  type DenseGrid,
  applyAffineToGrid,
  bicubicUpsample2d,
  centerCropGrid,
  controlGridShape,
  createDenseGrid,
  displaceGrid,
} from '../../src/image/dense-grid.js';
import { type GridSamplePadding, centeredAffineGrid, gridSample } from '../../src/image/resample.js';
import type { RandomState } from '../../src/random/index.js';
import { checkedFallBackTuple, randomStateFor } from '../crop-pad/rand-crop-utils.js';
import { gaussianFilter } from '../intensity/gaussian-filter.js';
import { type MapTransformOptions, perKey } from '../map-transform.js';
import {
  type Randomizable,
  RandomizableMapTransform,
  RandomizableTransform,
  type RandomizableOptions,
  markRandomizable,
} from '../randomizable.js';
import { type DataItem, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { type ResampleMode, gridPadding, resampleDense, resampleMode, toComputeArray } from './common.js';
import { RandAffineGrid, type RandAffineGridOptions } from './rand-affine.js';
import { checkedOptions, passOn } from '../option-check.js';
import { eye } from '../../src/image/affine.js';

/** Resamples on the identity grid of `spSize` (a non-fired elastic step: only a float32 copy when same size). */
function resampleIdentity(
  img: MetaImage,
  spSize: readonly number[],
  mode: ResampleMode,
  paddingMode: GridSamplePadding,
): MetaImage {
  if (typeof mode === 'number') return resampleDense(img, createDenseGrid(spSize), mode, paddingMode);
  const n = spSize.length;
  const grid = centeredAffineGrid(eye(n + 1), img.spatialShape, spSize, {
    gridDType: 'float64',
    sampleDType: 'float64',
  });
  const data = gridSample(toComputeArray(img.data, 'float64'), img.shape, grid, { mode, paddingMode });
  return img.clone({ data, shape: [img.numChannels, ...spSize], dtype: 'float32' });
}

/** Options of {@link RandDeformGrid}. */
export interface RandDeformGridOptions {
  /** Control point spacing in voxels (one or one per axis). */
  spacing: number | readonly number[];
  /** Range of the offset magnitude `[min, max]`. */
  magnitudeRange: readonly [number, number];
  /** Accepted for MONAI compatibility. */
  device?: unknown;
}

/**
 * MONAI `RandDeformGrid`: a control-point grid at `spacing` whose points move by
 * `R.uniform(magnitudeRange) * R.normal(size)` (normals drawn first, float32).
 */
export class RandDeformGrid implements Randomizable {
  R: RandomState = randomStateFor();
  readonly spacing: number | readonly number[];
  readonly magnitudeRange: [number, number];
  /** The last drawn offsets (`[ndim, ...gridSize]`, float32) and magnitude. */
  randomOffset: Float32Array = new Float32Array(0);
  randMag = 1;

  constructor(options: RandDeformGridOptions) {
    markRandomizable(this);
    const m = options?.magnitudeRange;
    if (!Array.isArray(m) || m.length !== 2 || !m.every((x) => typeof x === 'number' && Number.isFinite(x)))
      fail('RandDeformGrid', `magnitudeRange must be [min, max], got ${JSON.stringify(m)}`);
    this.spacing = options.spacing;
    this.magnitudeRange = [m[0], m[1]];
  }

  setRandomState(seed?: number, state?: RandomState): this {
    this.R = randomStateFor(seed, state);
    return this;
  }

  /** Draws offsets for a grid of `gridSize` points (`normal` first, then the magnitude). */
  randomize(gridSize: readonly number[]): void {
    const count = gridSize.length * gridSize.reduce((a, b) => a * b, 1);
    this.randomOffset = Float32Array.from(this.R.normalArray(count));
    this.randMag = this.R.uniform(this.magnitudeRange[0], this.magnitudeRange[1]);
  }

  /** The spacing per axis for `n` spatial dims. */
  spacingFor(n: number): number[] {
    return checkedFallBackTuple(this.spacing, new Array<number>(n).fill(1), 'spacing', 'RandDeformGrid');
  }

  /** MONAI `__call__`: the control grid for `spatialSize`, drawn anew when `randomize`, offsets added. */
  call(spatialSize: readonly number[], randomize = true): DenseGrid {
    const spacing = this.spacingFor(spatialSize.length);
    const shape = controlGridShape(spatialSize, spacing);
    const grid = createDenseGrid(shape, spacing);
    if (randomize) this.randomize(shape);
    return displaceGrid(grid, this.randomOffset, this.randMag);
  }
}

/** Options shared by the elastic transforms. */
export interface ElasticCommonOptions extends RandomizableOptions, RandAffineGridOptions {
  /** Output size (default: the input size; non-positive entries keep it). */
  spatialSize?: number | readonly number[] | null;
  /** `'bilinear'` (default), `'nearest'`, or a spline order `0`/`1`/`3` (scipy `map_coordinates`, as MONAI). */
  mode?: ResampleMode;
  /** `'reflection'` (default), `'zeros'` or `'border'`. */
  paddingMode?: GridSamplePadding;
}

/** Options of {@link Rand2DElastic}. */
export interface Rand2DElasticOptions extends ElasticCommonOptions {
  /** Control point spacing in voxels. */
  spacing: number | readonly [number, number];
  /** Range of the control point offset magnitude. */
  magnitudeRange: readonly [number, number];
}

/** Options of {@link Rand3DElastic}. */
export interface Rand3DElasticOptions extends ElasticCommonOptions {
  /** Range of the Gaussian sigma smoothing the random offsets. */
  sigmaRange: readonly [number, number];
  /** Range of the offset magnitude. */
  magnitudeRange: readonly [number, number];
}

function outSize(
  img: MetaImage,
  spatialSize: number | readonly number[] | null | undefined,
  where: string,
): number[] {
  const s = spatialSize ?? null;
  return s === null
    ? img.spatialShape
    : checkedFallBackTuple(s, img.spatialShape, 'spatialSize', where).map(Math.trunc);
}

function pair(v: unknown, where: string, option: string): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    return fail(where, `${option} must be [min, max], got ${JSON.stringify(v)}`);
  return [v[0], v[1]];
}

/**
 * Random 2D elastic deformation (MONAI `Rand2DElastic`): `R.rand() < prob`; when it fires, control
 * points at `spacing` move by a random magnitude times normal offsets, a random affine follows, the
 * grid is upsampled bicubically and the image resampled.
 *
 * @example
 * await new Rand2DElastic({ spacing: [20, 20], magnitudeRange: [1, 2], prob: 1, rotateRange: [0.1] }).apply(img2d);
 */
export class Rand2DElastic extends RandomizableTransform<MetaImage, MetaImage, Rand2DElasticOptions> {
  readonly deformGrid: RandDeformGrid;
  readonly randAffineGrid: RandAffineGrid;

  constructor(options: Rand2DElasticOptions) {
    checkedOptions(new.target.name, options);
    pair(options?.magnitudeRange, 'Rand2DElastic', 'magnitudeRange');
    resampleMode(options.mode ?? 'bilinear', 'Rand2DElastic');
    gridPadding(options.paddingMode ?? 'reflection', 'Rand2DElastic');
    super(options);
    this.deformGrid = new RandDeformGrid({
      spacing: options.spacing,
      magnitudeRange: options.magnitudeRange,
    });
    this.randAffineGrid = new RandAffineGrid(passOn(options));
  }

  override setRandomState(seed?: number, state?: RandomState): this {
    this.deformGrid.setRandomState(seed, state);
    this.randAffineGrid.setRandomState(seed, state);
    super.setRandomState(seed, state);
    return this;
  }

  /** MONAI's `randomize(spatial_size)`: `rand() < prob`, then the deform grid (full size) and affine draws. */
  randomizeFor(spSize: readonly number[]): void {
    super.randomize();
    if (!this.doTransform) return;
    this.deformGrid.randomize(spSize);
    this.randAffineGrid.randomize();
  }

  /** The sampling grid for output size `spSize` (draws again, as MONAI's calls do). */
  makeGrid(spSize: readonly number[]): DenseGrid {
    if (spSize.length !== 2) fail(this.name, `needs a 2D image, got ${spSize.length} spatial dims`);
    let grid = this.deformGrid.call(spSize);
    grid = applyAffineToGrid(this.randAffineGrid.call(2), grid);
    grid = bicubicUpsample2d(grid, this.deformGrid.spacingFor(2));
    return centerCropGrid(grid, spSize);
  }

  /** Resamples `img` on `grid` (null: identity of `spSize`). */
  resample(
    img: MetaImage,
    grid: DenseGrid | null,
    spSize: readonly number[],
    mode?: ResampleMode,
    paddingMode?: string,
  ): MetaImage {
    const o = this.options;
    const m = resampleMode(mode ?? o.mode ?? 'bilinear', this.name);
    const p = gridPadding(paddingMode ?? o.paddingMode ?? 'reflection', this.name);
    return grid ? resampleDense(img, grid, m, p) : resampleIdentity(img, spSize, m, p);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => {
      if (image.spatialDims !== 2) fail(this.name, `needs a 2D image, got shape [${image.shape.join(', ')}]`);
      const sp = outSize(image, this.options.spatialSize, this.name);
      this.randomizeFor(sp);
      return this.resample(image, this.doTransform ? this.makeGrid(sp) : null, sp);
    });
  }
}

/**
 * Random 3D elastic deformation (MONAI `Rand3DElastic`): `R.rand() < prob`; when it fires, uniform
 * offsets in [-1, 1) per voxel and axis (float32), a magnitude and a sigma are drawn, the offsets are
 * Gaussian-smoothed (truncated at 3 sigma) and scaled, a random affine follows and the image is
 * resampled.
 *
 * @example
 * await new Rand3DElastic({ sigmaRange: [5, 7], magnitudeRange: [50, 150], prob: 1 }).apply(img3d);
 */
export class Rand3DElastic extends RandomizableTransform<MetaImage, MetaImage, Rand3DElasticOptions> {
  readonly randAffineGrid: RandAffineGrid;
  readonly sigmaRange: [number, number];
  readonly magnitudeRange: [number, number];
  /** The last drawn offsets (`[3, ...size]`), magnitude and sigma. */
  randOffset: Float32Array = new Float32Array(0);
  magnitude = 1;
  sigma = 1;

  constructor(options: Rand3DElasticOptions) {
    checkedOptions(new.target.name, options);
    const sr = pair(options?.sigmaRange, 'Rand3DElastic', 'sigmaRange');
    const mr = pair(options?.magnitudeRange, 'Rand3DElastic', 'magnitudeRange');
    resampleMode(options.mode ?? 'bilinear', 'Rand3DElastic');
    gridPadding(options.paddingMode ?? 'reflection', 'Rand3DElastic');
    super(options);
    this.sigmaRange = sr;
    this.magnitudeRange = mr;
    this.randAffineGrid = new RandAffineGrid(passOn(options));
  }

  override setRandomState(seed?: number, state?: RandomState): this {
    this.randAffineGrid.setRandomState(seed, state);
    super.setRandomState(seed, state);
    return this;
  }

  /** MONAI's `randomize(grid_size)`: `rand() < prob`, offsets, magnitude, sigma, affine parameters. */
  randomizeFor(spSize: readonly number[]): void {
    super.randomize();
    if (!this.doTransform) return;
    const count = 3 * spSize.reduce((a, b) => a * b, 1);
    this.randOffset = Float32Array.from(this.R.uniformArray(-1, 1, count));
    this.magnitude = this.R.uniform(this.magnitudeRange[0], this.magnitudeRange[1]);
    this.sigma = this.R.uniform(this.sigmaRange[0], this.sigmaRange[1]);
    this.randAffineGrid.randomize();
  }

  /** The sampling grid for `spSize` from the drawn offsets (the affine grid draws again, as MONAI). */
  makeGrid(spSize: readonly number[]): DenseGrid {
    if (spSize.length !== 3) fail(this.name, `needs a 3D image, got ${spSize.length} spatial dims`);
    const smooth = gaussianFilter(this.randOffset, [3, ...spSize], this.sigma, { truncated: 3 });
    const grid = displaceGrid(createDenseGrid(spSize), smooth, this.magnitude);
    return applyAffineToGrid(this.randAffineGrid.call(3), grid);
  }

  /** Resamples `img` on `grid` (null: identity of `spSize`). */
  resample(
    img: MetaImage,
    grid: DenseGrid | null,
    spSize: readonly number[],
    mode?: ResampleMode,
    paddingMode?: string,
  ): MetaImage {
    const o = this.options;
    const m = resampleMode(mode ?? o.mode ?? 'bilinear', this.name);
    const p = gridPadding(paddingMode ?? o.paddingMode ?? 'reflection', this.name);
    return grid ? resampleDense(img, grid, m, p) : resampleIdentity(img, spSize, m, p);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => {
      if (image.spatialDims !== 3) fail(this.name, `needs a 3D image, got shape [${image.shape.join(', ')}]`);
      const sp = outSize(image, this.options.spatialSize, this.name);
      this.randomizeFor(sp);
      return this.resample(image, this.doTransform ? this.makeGrid(sp) : null, sp);
    });
  }
}

/** Per-key mode/paddingMode options of the elastic dictionary transforms. */
export interface ElasticKeyOptions {
  mode?: ResampleMode | readonly ResampleMode[];
  paddingMode?: GridSamplePadding | readonly GridSamplePadding[];
}

/** Options of {@link Rand2DElasticd}. */
export interface Rand2DElasticdOptions
  extends MapTransformOptions, Omit<Rand2DElasticOptions, 'mode' | 'paddingMode'>, ElasticKeyOptions {}

/** Options of {@link Rand3DElasticd}. */
export interface Rand3DElasticdOptions
  extends MapTransformOptions, Omit<Rand3DElasticOptions, 'mode' | 'paddingMode'>, ElasticKeyOptions {}

/** Shared dictionary logic: one draw per call, the same grid for every key. */
export abstract class ElasticMapBase<
  T extends Rand2DElastic | Rand3DElastic,
  Opts extends MapTransformOptions & ElasticKeyOptions & RandomizableOptions = MapTransformOptions &
    ElasticKeyOptions &
    RandomizableOptions,
> extends RandomizableMapTransform<DataItem, Opts> {
  readonly inner: T;
  private readonly modes: ResampleMode[];
  private readonly pads: GridSamplePadding[];

  constructor(options: Opts, inner: T) {
    super(options);
    this.inner = inner;
    this.modes = perKey(options.mode ?? 'bilinear', this.keys, this.name, 'mode');
    this.pads = perKey(options.paddingMode ?? 'reflection', this.keys, this.name, 'paddingMode');
    this.modes.forEach((m) => resampleMode(m, this.name));
    this.pads.forEach((p) => gridPadding(p, this.name));
  }

  override setRandomState(seed?: number, state?: RandomState): this {
    this.inner.setRandomState(seed, state);
    super.setRandomState(seed, state);
    return this;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const keys = this.keyIterator(d);
    if (keys.length === 0) return d;
    const first = keys[0] as string;
    const img0 = requireImage(d[first], this.name, first);
    this.randomize();
    const grid = withKey(this.name, first, () => {
      const sp = outSize(img0, this.inner.options.spatialSize, this.name);
      this.inner.randomizeFor(sp);
      return { sp, grid: this.doTransform ? this.inner.makeGrid(sp) : null };
    });
    for (const key of keys) {
      const i = this.keys.indexOf(key);
      d[key] = withKey(this.name, key, () =>
        this.inner.resample(
          requireImage(d[key], this.name, key),
          grid.grid,
          grid.sp,
          this.modes[i],
          this.pads[i],
        ),
      );
    }
    return d;
  }
}

function innerOptions<O extends object>(options: O): O {
  const {
    keys: _k,
    mode: _m,
    paddingMode: _p,
    allowMissingKeys: _a,
    ...rest
  } = options as O & MapTransformOptions & ElasticKeyOptions;
  return { ...(rest as unknown as O), prob: 1 };
}

/**
 * Dictionary twin of {@link Rand2DElastic} (MONAI `Rand2DElasticd`): wrapper `rand()`, then the inner
 * transform's draws from the first key's size; every key is resampled on the same grid.
 *
 * @example
 * new Rand2DElasticd({ keys: ['image', 'label'], spacing: [20, 20], magnitudeRange: [1, 2], prob: 0.5, mode: ['bilinear', 'nearest'] })
 */
export class Rand2DElasticd extends ElasticMapBase<Rand2DElastic, Rand2DElasticdOptions> {
  constructor(options: Rand2DElasticdOptions) {
    super(
      options,
      new Rand2DElastic(
        passOn(innerOptions(checkedOptions(new.target.name, options)) as Rand2DElasticOptions),
      ),
    );
  }
}

/**
 * Dictionary twin of {@link Rand3DElastic} (MONAI `Rand3DElasticd`).
 *
 * @example
 * new Rand3DElasticd({ keys: ['image', 'label'], sigmaRange: [5, 8], magnitudeRange: [100, 200], prob: 0.5, mode: ['bilinear', 'nearest'] })
 */
export class Rand3DElasticd extends ElasticMapBase<Rand3DElastic, Rand3DElasticdOptions> {
  constructor(options: Rand3DElasticdOptions) {
    super(
      options,
      new Rand3DElastic(
        passOn(innerOptions(checkedOptions(new.target.name, options)) as Rand3DElasticOptions),
      ),
    );
  }
}
