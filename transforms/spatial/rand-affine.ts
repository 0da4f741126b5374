import type { MetaImage } from '../../src/image/meta-image.js';
import type { GridSamplePadding } from '../../src/image/resample.js';
import type { RandomState } from '../../src/random/index.js';
import { checkedFallBackTuple, randomStateFor } from '../crop-pad/rand-crop-utils.js';
import { markInvertible } from '../invertible.js';
import { type MapTransformOptions, perKey } from '../map-transform.js';
import { replaceLastOperation, unwrapLastOperation } from '../rand-trace.js';
import {
  type Randomizable,
  RandomizableMapTransform,
  RandomizableTransform,
  type RandomizableOptions,
  markRandomizable,
} from '../randomizable.js';
import { type DataItem, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { affineFunc, affineGridMatrix, invertAffineFunc } from './affine.js';
import { type ResampleMode, gridPadding, resampleMode } from './common.js';
import { asFloat32 } from './rand-spatial-base.js';
import { checkedOptions, passOn } from '../option-check.js';
import { type Matrix, eye } from '../../src/image/affine.js';

/**
 * A parameter range of RandAffineGrid (MONAI): `x` draws one value in `[-x, x]`; a list draws one
 * value per entry (`x` → `[-x, x]`, `[a, b]` → `[a, b]`, null → none).
 */
export type AffineParamRange = number | readonly (number | readonly [number, number] | null)[] | null;

/** Options of {@link RandAffineGrid}. */
export interface RandAffineGridOptions {
  /** Rotation angle ranges in radians (2D: one, 3D: up to three). */
  rotateRange?: AffineParamRange;
  /** Shear ranges (2D: two, 3D: six coefficients). */
  shearRange?: AffineParamRange;
  /** Translation ranges in voxels. */
  translateRange?: AffineParamRange;
  /** Scale ranges: factor `1 + uniform(range)` per axis (missing axes keep 1). */
  scaleRange?: AffineParamRange;
  /** The computation runs on the CPU: only `'cpu'` (or null, the default) is accepted. */
  device?: 'cpu' | null;
  /** The resampling computes in float32 as MONAI's default: only `'float32'` (or null) is accepted. */
  dtype?: 'float32' | null;
  /** MONAI's lazy resampling is not implemented: only `false` (eager, the default) is accepted. */
  lazy?: false;
}

/** MONAI's `ensure_tuple` of a range option, validated. */
function rangeList(
  v: AffineParamRange | undefined,
  option: string,
): (number | readonly [number, number] | null)[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v as number];
  for (const f of list) {
    if (f === null) continue;
    if (typeof f === 'number' && Number.isFinite(f)) continue;
    if (Array.isArray(f) && f.length === 2 && f.every((x) => typeof x === 'number' && Number.isFinite(x)))
      continue;
    fail(
      'RandAffineGrid',
      `${option} entries must be numbers, [min, max] pairs or null, got ${JSON.stringify(v)}`,
    );
  }
  return list as (number | readonly [number, number] | null)[];
}

/**
 * MONAI's `RandAffineGrid`: draws rotate, shear, translate and scale parameters (one `R.uniform` per
 * range entry, in that order) and builds the float32 `AffineGrid` matrix from them. Used by
 * RandAffine and the elastic transforms.
 */
export class RandAffineGrid implements Randomizable {
  R: RandomState = randomStateFor();
  readonly rotateRange: (number | readonly [number, number] | null)[];
  readonly shearRange: (number | readonly [number, number] | null)[];
  readonly translateRange: (number | readonly [number, number] | null)[];
  readonly scaleRange: (number | readonly [number, number] | null)[];
  rotateParams: number[] = [];
  shearParams: number[] = [];
  translateParams: number[] = [];
  scaleParams: number[] = [];
  /** The last matrix built by {@link call} (null before). */
  affine: Matrix | null = null;

  constructor(options: RandAffineGridOptions = {}) {
    markRandomizable(this);
    this.rotateRange = rangeList(options.rotateRange, 'rotateRange');
    this.shearRange = rangeList(options.shearRange, 'shearRange');
    this.translateRange = rangeList(options.translateRange, 'translateRange');
    this.scaleRange = rangeList(options.scaleRange, 'scaleRange');
  }

  setRandomState(seed?: number, state?: RandomState): this {
    this.R = randomStateFor(seed, state);
    return this;
  }

  private draw(range: (number | readonly [number, number] | null)[], add = 0): number[] {
    const out: number[] = [];
    for (const f of range) {
      if (f === null) continue;
      if (typeof f === 'number') out.push(this.R.uniform(-f, f) + add);
      else out.push(this.R.uniform(f[0], f[1]) + add);
    }
    return out;
  }

  /** Draws new parameters (MONAI's order: rotate, shear, translate, scale). */
  randomize(): void {
    this.rotateParams = this.draw(this.rotateRange);
    this.shearParams = this.draw(this.shearRange);
    this.translateParams = this.draw(this.translateRange);
    this.scaleParams = this.draw(this.scaleRange, 1);
  }

  /** MONAI's `__call__`: optionally draws, then builds (and keeps) the matrix for `spatialDims` dims. */
  call(spatialDims: number, randomize = true): Matrix {
    if (randomize) this.randomize();
    this.affine = affineGridMatrix(
      {
        rotateParams: this.rotateParams,
        shearParams: this.shearParams,
        translateParams: this.translateParams,
        scaleParams: this.scaleParams,
      },
      spatialDims,
      'RandAffineGrid',
    );
    return this.affine;
  }

  /** The last built matrix (MONAI `get_transformation_matrix`). */
  getTransformationMatrix(): Matrix | null {
    return this.affine;
  }
}

/** Options of {@link RandAffine}. */
export interface RandAffineOptions extends RandomizableOptions, RandAffineGridOptions {
  /** Output size (default: the input size; non-positive entries keep the input size). */
  spatialSize?: number | readonly number[] | null;
  /** `'bilinear'` (default), `'nearest'`, or a spline order `0`/`1`/`3` (scipy `map_coordinates`, as MONAI). */
  mode?: ResampleMode;
  /** `'reflection'` (default), `'zeros'` or `'border'`. */
  paddingMode?: GridSamplePadding;
  /** Accepted for MONAI compatibility (grids are not cached). */
  cacheGrid?: boolean;
}

/**
 * Random affine resampling (MONAI `RandAffine`): `R.rand() < prob`; when it fires, the grid's own
 * RandomState draws one parameter set in `randomize` and — as MONAI's `rand_affine_grid(...)` call
 * does — a second one that is used. Resamples in float64 (MONAI's `Resample`), output float32.
 * Traced as `RandAffine` (`affine`, `mode`, `padding_mode`, `do_resampling`, `align_corners`);
 * invertible. When it does not fire and the size is unchanged, only converts to float32.
 *
 * @example
 * await new RandAffine({ prob: 1, rotateRange: [0.3], scaleRange: [0.1, 0.1], paddingMode: 'zeros' }).apply(img);
 */
export class RandAffine extends RandomizableTransform<MetaImage, MetaImage, RandAffineOptions> {
  readonly randAffineGrid: RandAffineGrid;

  constructor(options: RandAffineOptions = {}) {
    checkedOptions(new.target.name, options);
    resampleMode(options.mode ?? 'bilinear', 'RandAffine');
    gridPadding(options.paddingMode ?? 'reflection', 'RandAffine');
    super(options);
    markInvertible(this);
    this.randAffineGrid = new RandAffineGrid(passOn(options));
  }

  override setRandomState(seed?: number, state?: RandomState): this {
    this.randAffineGrid.setRandomState(seed, state);
    super.setRandomState(seed, state);
    return this;
  }

  override randomize(): void {
    super.randomize();
    if (!this.doTransform) return;
    this.randAffineGrid.randomize();
  }

  /** The output size for an input of `inSize` (MONAI `fall_back_tuple(spatial_size, size)`). */
  outputSize(inSize: readonly number[], spatialSize?: number | readonly number[] | null): number[] {
    const s = spatialSize ?? this.options.spatialSize ?? null;
    return s === null
      ? [...inSize]
      : checkedFallBackTuple(s, inSize, 'spatialSize', this.name).map(Math.trunc);
  }

  /**
   * MONAI's `__call__`: draws when `randomize`, then resamples with `matrix` when given (the
   * dictionary twin's precomputed grid), else with a fresh grid matrix when the transform fired, else
   * the identity (size change only).
   */
  run(
    img: MetaImage,
    o: { spatialSize?: number | readonly number[] | null; mode?: ResampleMode; paddingMode?: string } = {},
    randomize = true,
    matrix: Matrix | null = null,
  ): MetaImage {
    if (randomize) this.randomize();
    const base = this.options;
    const n = img.spatialDims;
    const inSize = img.spatialShape;
    const sp = this.outputSize(inSize, o.spatialSize);
    const doResampling = this.doTransform || sp.some((s, i) => s !== inSize[i]);
    let mat = matrix;
    if (mat === null)
      mat = doResampling && this.doTransform ? this.randAffineGrid.call(n, randomize) : eye(n + 1);
    return affineFunc(
      img,
      mat,
      sp,
      {
        mode: resampleMode(o.mode ?? base.mode ?? 'bilinear', this.name),
        paddingMode: gridPadding(o.paddingMode ?? base.paddingMode ?? 'reflection', this.name),
        alignCorners: false,
        sampleDType: 'float64',
        doResampling,
      },
      this.name,
    );
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const image = requireImage(img, this.name);
    return withKey(this.name, undefined, () => this.run(image));
  }

  /** Resamples one image back (pops its `RandAffine` entry). */
  invertOne(img: MetaImage, key?: string): MetaImage {
    return invertAffineFunc(img, this.name, key, 'float64');
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => this.invertOne(requireImage(img, this.name)));
  }
}

/** Options of {@link RandAffined}: mode and paddingMode may be given per key. */
export interface RandAffinedOptions
  extends MapTransformOptions, Omit<RandAffineOptions, 'mode' | 'paddingMode'> {
  mode?: ResampleMode | readonly ResampleMode[];
  paddingMode?: GridSamplePadding | readonly GridSamplePadding[];
}

/**
 * Dictionary twin of {@link RandAffine} (MONAI `RandAffined`): the wrapper, RandAffine and
 * RandAffineGrid each own a RandomState seeded alike. Per call: wrapper `rand()`, RandAffine
 * `rand()` + grid parameters, and — when it fires — a second grid draw giving the matrix used for
 * every key; as MONAI, RandAffine re-randomizes once per resampled key (advancing its states).
 * Traced as `RandAffined`; invertible.
 *
 * @example
 * new RandAffined({ keys: ['image', 'label'], prob: 0.5, rotateRange: [0.3, 0.3, 0.3], mode: ['bilinear', 'nearest'], paddingMode: 'zeros' })
 */
export class RandAffined extends RandomizableMapTransform<DataItem, RandAffinedOptions> {
  readonly randAffine: RandAffine;
  private readonly modes: ResampleMode[];
  private readonly pads: GridSamplePadding[];

  constructor(options: RandAffinedOptions) {
    super(options);
    markInvertible(this);
    this.modes = perKey(options.mode ?? 'bilinear', this.keys, this.name, 'mode');
    this.pads = perKey(options.paddingMode ?? 'reflection', this.keys, this.name, 'paddingMode');
    this.modes.forEach((m) => resampleMode(m, this.name));
    this.pads.forEach((p) => gridPadding(p, this.name));
    const { mode: _m, paddingMode: _p, keys: _k, ...rest } = options;
    this.randAffine = new RandAffine({ ...rest, prob: 1 });
  }

  override setRandomState(seed?: number, state?: RandomState): this {
    this.randAffine.setRandomState(seed, state);
    super.setRandomState(seed, state);
    return this;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    const keys = this.keyIterator(d);
    if (keys.length === 0) return d;
    const first = keys[0] as string;
    const firstImg = requireImage(d[first], this.name, first);
    this.randomize();
    this.randAffine.randomize();
    const inSize = firstImg.spatialShape;
    const n = inSize.length;
    const sp = withKey(this.name, first, () => this.randAffine.outputSize(inSize));
    const doResampling = this.doTransform || sp.some((s, i) => s !== inSize[i]);
    let mat: Matrix | null = null;
    if (doResampling)
      mat = this.doTransform
        ? withKey(this.name, first, () => this.randAffine.randAffineGrid.call(n))
        : eye(n + 1);
    for (const key of keys) {
      const i = this.keys.indexOf(key);
      d[key] = withKey(this.name, key, () => {
        const img = requireImage(d[key], this.name, key);
        const out = doResampling
          ? this.randAffine.run(img, { mode: this.modes[i], paddingMode: this.pads[i] }, true, mat)
          : asFloat32(img);
        replaceLastOperation(out, this.name, doResampling);
        return out;
      });
    }
    return d;
  }

  /** Undoes this transform using the operation it recorded in the trace. */
  async inverse(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d))
      d[key] = withKey(this.name, key, () => {
        const { img: w, inner } = unwrapLastOperation(requireImage(d[key], this.name, key), this.name, key);
        return inner ? this.randAffine.invertOne(w, key) : w;
      });
    return d;
  }
}
