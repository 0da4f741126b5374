import type { MetaImage } from '../../src/image/meta-image.js';
import { affineCoords, mapCoordinates } from '../../src/image/map-coordinates.js';
import { centeredCoords } from '../../src/image/linspace.js';
import {
  type GridSamplePadding,
  type SamplingGrid,
  centeredAffineGrid,
  gridSample,
} from '../../src/image/resample.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import {
  composeImageAffine,
  createRotate,
  createScale,
  createShear,
  createTranslate,
  fallBackTuple,
} from './affine-utils.js';
import {
  type ResampleMode,
  TRACE_NONE,
  computeDType,
  gridPadding,
  ndimageMode,
  resampleMode,
  matrixFromTrace,
  numberList,
  requireSpatialDims,
  rows,
  toComputeArray,
} from './common.js';
import { type ComputeDType } from '../../src/image/numerics.js';
import { type Matrix, eye, invMatrix, matmul, matmulTorch32, toAffineNd } from '../../src/image/affine.js';

/** Parameters of an affine as MONAI's `AffineGrid` builds it: rotate, then shear, translate, scale. */
export interface AffineParams {
  /** Rotation angle(s) in radians (one for 2D, up to three for 3D). */
  rotateParams?: number | readonly number[] | null;
  /** Shear coefficients (2 for 2D, 6 for 3D; see MONAI `create_shear`). */
  shearParams?: number | readonly number[] | null;
  /** Translation in voxels (one per spatial dim). */
  translateParams?: number | readonly number[] | null;
  /** Scale factors (one per spatial dim). */
  scaleParams?: number | readonly number[] | null;
  /** An explicit (n+1)×(n+1) matrix (or a 4×4 Float64Array); overrides the parameters. */
  affine?: readonly (readonly number[])[] | Float64Array | null;
}

function present(v: number | readonly number[] | null | undefined): v is number | readonly number[] {
  // Python truthiness, as MONAI's `if self.rotate_params:`
  if (v === null || v === undefined) return false;
  if (typeof v === 'number') return v !== 0;
  return v.length > 0;
}

function checkLength(
  v: number | readonly number[],
  max: number,
  what: string,
  n: number,
  where: string,
): void {
  const len = typeof v === 'number' ? 1 : v.length;
  if (len > max)
    fail(
      where,
      `${what} has ${len} values but a ${n}D image takes at most ${max}${n === 2 ? ' (3D-only parameters given to a 2D image?)' : ''}`,
    );
}

/**
 * The matrix MONAI's `AffineGrid` builds (centred voxel coordinates of the output → of the input),
 * emulating its torch float32 arithmetic: `R @ Sh @ T @ S` with each factor and product in float32.
 */
export function affineGridMatrix(params: AffineParams, spatialDims: number, where = 'AffineGrid'): Matrix {
  const n = spatialDims;
  if (params.affine !== null && params.affine !== undefined) {
    const m = toAffineNd(n, params.affine);
    return m.map((r) => r.map(Math.fround));
  }
  let a = eye(n + 1);
  if (present(params.rotateParams)) {
    checkLength(params.rotateParams, n === 2 ? 1 : 3, 'rotateParams', n, where);
    a = matmulTorch32(a, createRotate(n, numberList(params.rotateParams, where, 'rotateParams'), 'torch'));
  }
  if (present(params.shearParams)) {
    checkLength(params.shearParams, n === 2 ? 2 : 6, 'shearParams', n, where);
    a = matmulTorch32(a, createShear(n, numberList(params.shearParams, where, 'shearParams'), 'torch'));
  }
  if (present(params.translateParams)) {
    checkLength(params.translateParams, n, 'translateParams', n, where);
    a = matmulTorch32(
      a,
      createTranslate(n, numberList(params.translateParams, where, 'translateParams'), 'torch'),
    );
  }
  if (present(params.scaleParams)) {
    checkLength(params.scaleParams, n, 'scaleParams', n, where);
    a = matmulTorch32(a, createScale(n, numberList(params.scaleParams, where, 'scaleParams'), 'torch'));
  }
  return a;
}

/**
 * MONAI `AffineGrid`: holds affine parameters; {@link AffineGrid.matrix} gives the float32 matrix
 * and {@link AffineGrid.grid} the sampling grid (centred output coordinates mapped through it) that
 * MONAI's `Resample` samples. The kernel behind Affine and the random affine transforms.
 */
export class AffineGrid {
  readonly params: AffineParams;
  readonly alignCorners: boolean;

  constructor(params: AffineParams & { alignCorners?: boolean } = {}) {
    this.params = { ...params };
    this.alignCorners = params.alignCorners ?? false;
  }

  /** The (n+1)×(n+1) float32 matrix for `spatialDims` dims. */
  matrix(spatialDims: number): Matrix {
    return affineGridMatrix(this.params, spatialDims);
  }

  /** The sampling grid for an input of `inShape` and an output of `outShape` (spatial shapes). */
  grid(
    inShape: readonly number[],
    outShape: readonly number[],
    sampleDType: ComputeDType = 'float32',
  ): SamplingGrid {
    return centeredAffineGrid(this.matrix(outShape.length), inShape, outShape, {
      alignCorners: this.alignCorners,
      gridDType: 'float32',
      sampleDType,
    });
  }
}

/** MONAI `Affine.compute_w_affine`: the voxel→voxel affine of the image after an affine resampling. */
export function computeWAffine(
  mat: readonly (readonly number[])[],
  imgSize: readonly number[],
  spSize: readonly number[],
): Matrix {
  const r = imgSize.length;
  const m = toAffineNd(r, mat);
  const shift1 = createTranslate(
    r,
    imgSize.map((d) => (d - 1) / 2),
  );
  const shift2 = createTranslate(
    r,
    spSize.map((d) => -(d - 1) / 2),
  );
  return matmul(matmul(shift1, m), shift2);
}

/** Options of `affineFunc`. */
export interface AffineFuncOptions {
  mode: ResampleMode;
  paddingMode: GridSamplePadding;
  alignCorners: boolean;
  /** Precision of `Resample` (Affine: float32, RandAffine: float64). */
  sampleDType: ComputeDType;
  /** False: no resampling (RandAffine when it does not fire), only a float32 copy. */
  doResampling?: boolean;
  /** The matrix is already in torch's normalised [-1, 1] coordinates (MONAI `normalized=True`). */
  normalized?: boolean;
}

/**
 * Samples `data` (`[C, ...inSize]`) on the output grid of `spSize` through the centred affine `mat`
 * as MONAI's `AffineGrid` (float32) + `Resample`: torch `grid_sample`, or for a spline order scipy's
 * `map_coordinates` on the input indices (`grid + (max(2, n) - 1) / 2` in float32; none when `normalized`).
 */
function sampleCentered(
  data: MetaImage['data'],
  shape: readonly number[],
  mat: readonly (readonly number[])[],
  spSize: readonly number[],
  o: {
    mode: ResampleMode;
    paddingMode: GridSamplePadding;
    alignCorners: boolean;
    sampleDType: ComputeDType;
    normalized?: boolean;
  },
  where: string,
): Float32Array {
  const inSize = shape.slice(1);
  const src = toComputeArray(data, o.sampleDType);
  if (typeof o.mode === 'number') {
    if (o.alignCorners)
      fail(
        where,
        `mode ${o.mode} (a spline order) with alignCorners true is not supported; use alignCorners false`,
      );
    const f = Math.fround;
    const n = spSize.length;
    const m = mat.slice(0, n).map((r) => r.map(f));
    const coords = affineCoords(
      m,
      spSize.map((d) => centeredCoords(d)),
      'float32',
    );
    if (!o.normalized)
      coords.forEach((c, d) => {
        const t = (Math.max(2, inSize[d] as number) - 1) / 2;
        for (let v = 0; v < c.length; v++) c[v] = f((c[v] as number) + t);
      });
    return mapCoordinates(src, shape, coords, spSize, o.mode, ndimageMode(o.paddingMode));
  }
  const grid = centeredAffineGrid(mat, inSize, spSize, {
    alignCorners: o.alignCorners,
    gridDType: 'float32',
    sampleDType: o.sampleDType,
  });
  if (o.normalized) delete grid.preScale;
  return gridSample(src, shape, grid, { mode: o.mode, paddingMode: o.paddingMode });
}

/**
 * MONAI's `affine_func`: resamples `img` on the output grid of `spSize` through the centred affine
 * `mat` (float32 values, as `AffineGrid` made it), updates the affine and records a trace entry
 * (`affine`, `mode`, `padding_mode`, `do_resampling`, `align_corners`) under `traceClass`.
 * Shared by Affine and the random affine transforms.
 */
export function affineFunc(
  img: MetaImage,
  mat: readonly (readonly number[])[],
  spSize: readonly number[],
  options: AffineFuncOptions,
  traceClass: string | null = 'Affine',
): MetaImage {
  const inSize = img.spatialShape;
  const doResampling = options.doResampling ?? true;
  let data: Float32Array;
  if (doResampling) {
    data = sampleCentered(img.data, img.shape, mat, spSize, options, traceClass ?? 'Affine');
  } else {
    if (spSize.some((s, i) => s !== inSize[i]))
      throw new RangeError('doResampling=false needs the output size to equal the input size');
    data = img.data instanceof Float32Array ? img.data : Float32Array.from(img.data);
  }
  const out = img.clone({
    data,
    shape: [img.numChannels, ...spSize],
    dtype: 'float32',
    affine: composeImageAffine(img.affine, computeWAffine(mat, inSize, spSize)),
  });
  if (traceClass !== null)
    pushOperation(out, traceClass, inSize, {
      affine: rows(toAffineNd(inSize.length, mat)),
      mode: options.mode,
      padding_mode: options.paddingMode,
      do_resampling: doResampling,
      align_corners: options.alignCorners,
    });
  return out;
}

/**
 * Undoes an affine trace entry (MONAI `Affine.inverse`): resamples back to the original size through
 * the inverse matrix (float32, as MONAI). Entries with `do_resampling: false` only pop.
 */
export function invertAffineFunc(
  img: MetaImage,
  className = 'Affine',
  key?: string,
  sampleDType: ComputeDType = 'float32',
): MetaImage {
  const work = img.shallowClone();
  const op = popOperation(work, className, key);
  const e = op.extra_info;
  if (e.do_resampling === false) return work;
  const fwd = matrixFromTrace(e.affine, className, 'affine');
  let invMat: Matrix;
  try {
    invMat = invMatrix(fwd).map((r) => r.map(Math.fround));
  } catch {
    return fail(className, 'cannot invert: the recorded affine is singular');
  }
  const align =
    e.align_corners === TRACE_NONE || e.align_corners === undefined ? false : Boolean(e.align_corners);
  const orig = op.orig_size;
  const data = sampleCentered(
    work.data,
    work.shape,
    invMat,
    orig,
    {
      mode: resampleMode(e.mode ?? 'bilinear', className),
      paddingMode: gridPadding(e.padding_mode ?? 'reflection', className),
      alignCorners: align,
      sampleDType,
    },
    className,
  );
  return work.clone({
    data,
    shape: [work.numChannels, ...orig],
    dtype: 'float32',
    affine: composeImageAffine(work.affine, computeWAffine(invMat, work.spatialShape, orig)),
  });
}

/** Options of {@link Affine}. */
export interface AffineOptions extends AffineParams {
  /** Output spatial size (default: the input's; non-positive entries keep the input size). */
  spatialSize?: number | readonly number[] | null;
  /** `'bilinear'` (default), `'nearest'`, or a spline order `0`/`1`/`3` (scipy `map_coordinates`, as MONAI). */
  mode?: ResampleMode;
  /** `'reflection'` (default), `'zeros'` or `'border'`. */
  paddingMode?: GridSamplePadding;
  /** The matrix is in torch's normalised coordinates (default false). */
  normalized?: boolean;
  /** Compute precision of the resampling (default `'float32'`). The output is float32. */
  dtype?: string | null;
  /** torch `align_corners` (default false). */
  alignCorners?: boolean;
}

/** MONAI's `Affine` on one image (see {@link Affine}). */
export function affine(
  img: MetaImage,
  options: AffineOptions,
  traceClass: string | null = 'Affine',
  where = 'Affine',
): MetaImage {
  const n = requireSpatialDims(img, where);
  const mode = resampleMode(options.mode ?? 'bilinear', where);
  const padding = gridPadding(options.paddingMode ?? 'reflection', where);
  const spSize = fallBackTuple(
    options.spatialSize === null || options.spatialSize === undefined
      ? null
      : numberList(options.spatialSize, where, 'spatialSize'),
    img.spatialShape,
  ).map(Math.trunc);
  if (spSize.length !== n) fail(where, `spatialSize has ${spSize.length} values for a ${n}D image`);
  const mat = affineGridMatrix(options, n, where);
  return affineFunc(
    img,
    mat,
    spSize,
    {
      mode,
      paddingMode: padding,
      alignCorners: options.alignCorners ?? false,
      sampleDType: computeDType(options.dtype, where, 'float32'),
      normalized: options.normalized ?? false,
    },
    traceClass,
  );
}

/**
 * Resamples through an affine built from rotation, shear, translation and scale parameters, or an
 * explicit matrix (MONAI `Affine`): centred voxel coordinates of the output map to centred
 * coordinates of the input. Default padding `reflection`. Output float32; invertible.
 *
 * @example
 * const out = await new Affine({ rotateParams: [0, 0, Math.PI / 8], scaleParams: [1.1, 1.1, 1], paddingMode: 'zeros' }).apply(img);
 */
export class Affine extends Transform<MetaImage, MetaImage, AffineOptions> {
  constructor(options: AffineOptions = {}) {
    super(options);
    markInvertible(this);
    resampleMode(options.mode ?? 'bilinear', this.name);
    gridPadding(options.paddingMode ?? 'reflection', this.name);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      affine(requireImage(img, this.name), this.options, 'Affine', this.name),
    );
  }

  /** Resamples back onto the original grid. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    const dt = computeDType(this.options.dtype, this.name, 'float32');
    return withKey(this.name, undefined, () =>
      invertAffineFunc(requireImage(img, this.name), 'Affine', undefined, dt),
    );
  }
}

/** Options of {@link Affined}: mode and paddingMode may be given per key. */
export interface AffinedOptions extends MapTransformOptions, Omit<AffineOptions, 'mode' | 'paddingMode'> {
  mode?: ResampleMode | readonly ResampleMode[];
  paddingMode?: GridSamplePadding | readonly GridSamplePadding[];
}

/** Dictionary twin of {@link Affine} (e.g. `mode: ['bilinear', 'nearest']` for image and label). */
export class Affined extends MapTransform<DataItem, AffinedOptions> {
  private readonly modes: ResampleMode[];
  private readonly pads: GridSamplePadding[];

  constructor(options: AffinedOptions) {
    super(options);
    markInvertible(this);
    this.modes = perKey(options.mode ?? 'bilinear', this.keys, this.name, 'mode');
    this.pads = perKey(options.paddingMode ?? 'reflection', this.keys, this.name, 'paddingMode');
    this.modes.forEach((m) => resampleMode(m, this.name));
    this.pads.forEach((p) => gridPadding(p, this.name));
  }

  async apply(data: DataItem): Promise<DataItem> {
    const o = this.options;
    return this.mapImages(data, (img, _key, i) =>
      affine(img, { ...o, mode: this.modes[i], paddingMode: this.pads[i] }, 'Affine', this.name),
    );
  }

  /** Resamples each key back. */
  async inverse(data: DataItem): Promise<DataItem> {
    const dt = computeDType(this.options.dtype, this.name, 'float32');
    return this.mapImages(data, (img, key) => invertAffineFunc(img, 'Affine', key, dt));
  }
}
