import { castArray } from '../../src/image/dtype.js';
import { allClose } from '../../src/image/all-close.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { type SplineOrder, affineCoords, mapCoordinates } from '../../src/image/map-coordinates.js';
import { type GridSamplePadding, affineTransformGrid, gridSample } from '../../src/image/resample.js';
import { centeredCoords } from '../../src/image/linspace.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { composeImageAffine, computeShapeOffset, scaleAffine, zoomAffine } from './affine-utils.js';
import {
  type ResampleMode,
  TRACE_NONE,
  computeDType,
  gridPadding,
  imageComputeDType,
  matrixFromTrace,
  ndimageMode,
  numberList,
  requireNumbers,
  requireSpatialDims,
  resampleMode,
  rows,
  toComputeArray,
} from './common.js';
import { type ComputeDType, fmaIn, rounder } from '../../src/image/numerics.js';
import {
  type AffineMatrix,
  type Matrix,
  affineFromRows,
  affineToSpacing,
  eye,
  solveMatrix,
  spacingOfRows,
  toAffine4,
  toAffineNd,
} from '../../src/image/affine.js';

/** MONAI's `AFFINE_TOL`. */
export const AFFINE_TOL = 1e-3;

/** Resampling options shared by SpatialResample and Spacing. */
export interface ResampleModeOptions {
  /**
   * `'bilinear'` (default), `'nearest'`, or a spline order `0`/`1`/`3` (as MONAI: scipy `map_coordinates`
   * with `paddingMode` translated, zeros → constant, border → nearest, reflection → reflect).
   */
  mode?: ResampleMode;
  /** `'border'` (default), `'zeros'` or `'reflection'`. */
  paddingMode?: GridSamplePadding;
  /** torch `align_corners` (default false). */
  alignCorners?: boolean;
  /** Compute precision (default `'float64'`); null uses the image's. The output is always float32. */
  dtype?: string | null;
}

function flat(m: readonly (readonly number[])[]): number[] {
  return m.flatMap((r) => [...r]);
}

/** Throws a TransformError when the top-left n×n block of `m` is singular. */
export function requireInvertibleAffine(m: readonly (readonly number[])[], n: number, where: string): void {
  // Gaussian elimination on a copy: the pivots' product is the determinant
  const a = m.slice(0, n).map((r) => r.slice(0, n));
  const norms = affineToSpacing(affineFromRows(m), n, false);
  let det = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++)
      if (Math.abs((a[i] as number[])[k] as number) > Math.abs((a[p] as number[])[k] as number)) p = i;
    const piv = (a[p] as number[])[k] as number;
    det *= piv;
    if (piv === 0) break;
    [a[k], a[p]] = [a[p] as number[], a[k] as number[]];
    for (let i = k + 1; i < n; i++) {
      const f = ((a[i] as number[])[k] as number) / piv;
      for (let j = k; j < n; j++)
        (a[i] as number[])[j] = ((a[i] as number[])[j] as number) - f * ((a[k] as number[])[j] as number);
    }
  }
  const scale = norms.reduce((s, v) => s * v, 1);
  if (!Number.isFinite(det) || !(Math.abs(det) > 1e-9 * scale))
    fail(
      where,
      `the image affine is singular in its ${n} spatial dims (${JSON.stringify(rows(m.slice(0, n).map((r) => r.slice(0, n))))}): ` +
        'its voxel axes do not span space (e.g. a single non-axial slice, whose in-plane axes project onto fewer than ' +
        `${n} world axes); resample a volume, or fix the affine first`,
    );
}

/**
 * MONAI's `spatial_resample` with a spline order: `Affine(xform @ translate((size-1)/2), normalized=True)`
 * samples the centred output grid (in `dtype`, BLAS-fused) and `Resample` hands the input indices to
 * scipy's `map_coordinates` (align_corners: `(n-1)/n · (i + 0.5)`).
 */
function splineResample(
  img: MetaImage,
  shape: readonly number[],
  xform: Matrix,
  size: readonly number[],
  order: SplineOrder,
  padding: GridSamplePadding,
  align: boolean,
  dtype: ComputeDType,
): Float32Array {
  const n = size.length;
  const R = rounder(dtype);
  // torch mm (BLAS dgemm): the translation column accumulates x[i][k]·(d_k-1)/2 fused, then x[i][n]
  const mat = xform.slice(0, n).map((row) => {
    let acc = (row[0] as number) * (((size[0] as number) - 1) / 2);
    for (let k = 1; k < n; k++) acc = fmaIn(row[k] as number, ((size[k] as number) - 1) / 2, acc, 'float64');
    return [...row.slice(0, n), acc + (row[n] as number)].map(R);
  });
  const coords = affineCoords(
    mat,
    size.map((d) => centeredCoords(d)),
    dtype,
  );
  if (align)
    coords.forEach((c, d) => {
      const dim = Math.max(2, shape[d + 1] as number);
      const s = R((dim - 1) / dim);
      for (let v = 0; v < c.length; v++) c[v] = R(s * R((c[v] as number) + 0.5));
    });
  return mapCoordinates(toComputeArray(img.data, dtype), shape, coords, size, order, ndimageMode(padding));
}

/**
 * MONAI's `SpatialResample` on one image: resamples from its affine to `dstAffine` ((n+1)×(n+1) or a
 * 4×4; null keeps the affine) on an output grid of `spatialSize` (null: the whole field of view,
 * −1: the input size). Records a `SpatialResample` trace entry unless `traceClass` is null.
 * Returns float32 data, as MONAI.
 */
export function spatialResample(
  img: MetaImage,
  dstAffine: AffineMatrix | readonly (readonly number[])[] | null,
  spatialSize: readonly number[] | number | null,
  options: ResampleModeOptions = {},
  traceClass: string | null = 'SpatialResample',
  where = 'SpatialResample',
): MetaImage {
  const mode = resampleMode(options.mode ?? 'bilinear', where);
  const padding = gridPadding(options.paddingMode ?? 'border', where);
  const align = options.alignCorners ?? false;
  const dtype: ComputeDType =
    options.dtype === null ? imageComputeDType(img) : computeDType(options.dtype, where, 'float64');
  const inSize = img.spatialShape;
  let n = Math.min(img.spatialDims, 3);
  if (spatialSize !== null && !(typeof spatialSize === 'number' && spatialSize === -1))
    n = Math.min(typeof spatialSize === 'number' ? 1 : spatialSize.length, 3);
  if (n !== 2 && n !== 3) requireSpatialDims(img, where);
  if (img.spatialDims < n || n < 2)
    fail(
      where,
      `spatial_size [${String(spatialSize)}] does not match the image's ${img.spatialDims} spatial dims`,
    );
  // spatial dims beyond the resampled ones are folded into channels by MONAI's C-order reshape
  // `img.reshape([-1, *in_spatial_size])` and unfolded afterwards (a reinterpretation, not a transpose)
  const extraDims = inSize.slice(n);
  const folded = img.numChannels * extraDims.reduce((a, b) => a * b, 1);
  const src = toAffineNd(n, img.affine);
  const dst = dstAffine === null ? src : toAffineNd(n, dstAffine);
  let size: number[];
  if (typeof spatialSize === 'number' && spatialSize === -1) size = inSize.slice(0, n);
  else if (spatialSize === null) {
    requireInvertibleAffine(dst, n, where);
    size = computeShapeOffset(inSize.slice(0, n), src, dst).shape;
  } else {
    const s = typeof spatialSize === 'number' ? [spatialSize] : [...spatialSize];
    size = inSize.slice(0, n).map((d, i) => {
      const v = s[i];
      return v !== undefined && v > 0 ? Math.trunc(v) : d;
    });
  }
  const extra = {
    dtype,
    mode,
    padding_mode: padding,
    align_corners: align,
    src_affine: rows(src),
  };
  requireInvertibleAffine(src, n, where);
  let xform: Matrix;
  try {
    xform = solveMatrix(src, dst);
  } catch {
    return fail(where, 'the source affine is not invertible');
  }
  const sameSize = allClose(size, inSize.slice(0, n), 1e-8);
  const unchanged =
    (allClose(flat(src), flat(dst), AFFINE_TOL) && sameSize) ||
    (allClose(flat(xform), flat(eye(n + 1)), AFFINE_TOL) && sameSize);
  let out: MetaImage;
  if (unchanged) {
    // MONAI returns float32 also when nothing is resampled (`_post_process`)
    out = img.clone({ data: castArray(img.data, 'float32'), dtype: 'float32' });
  } else {
    const inSp = inSize.slice(0, n);
    const data =
      typeof mode === 'number'
        ? splineResample(img, [folded, ...inSp], xform, size, mode, padding, align, dtype)
        : gridSample(img.data, [folded, ...inSp], affineTransformGrid(xform, inSp, size, align, dtype), {
            mode,
            paddingMode: padding,
          });
    out = img.clone({
      data,
      shape: [img.numChannels, ...size, ...extraDims],
      dtype: 'float32',
      affine: composeImageAffine(img.affine, xform),
    });
  }
  if (traceClass !== null) pushOperation(out, traceClass, inSize, extra);
  return out;
}

/** Undoes a `SpatialResample` entry (MONAI `SpatialResample.inverse`): resamples back to `src_affine` and the original size. */
export function invertSpatialResample(
  img: MetaImage,
  className = 'SpatialResample',
  key?: string,
): MetaImage {
  const work = img.shallowClone();
  const op = popOperation(work, className, key);
  const e = op.extra_info;
  const align =
    e.align_corners === TRACE_NONE || e.align_corners === undefined ? false : Boolean(e.align_corners);
  return spatialResample(
    work,
    matrixFromTrace(e.src_affine, className, 'src_affine'),
    op.orig_size,
    {
      mode: (e.mode as ResampleMode | undefined) ?? 'bilinear',
      paddingMode: (e.padding_mode as GridSamplePadding | undefined) ?? 'border',
      alignCorners: align,
      dtype: (e.dtype as string | undefined) ?? 'float64',
    },
    null,
    className,
  );
}

/** Options of {@link SpatialResample}. */
export interface SpatialResampleOptions extends ResampleModeOptions {
  /** Destination affine (4×4 or (n+1)×(n+1)); default: keep the image's. */
  dstAffine?: AffineMatrix | number[][] | null;
  /** Output spatial size (default: the whole field of view; −1: the input size). */
  spatialSize?: number[] | number | null;
}

/**
 * Resamples an image onto the grid of another affine (MONAI `SpatialResample`); invertible.
 *
 * @example
 * const out = await new SpatialResample({ dstAffine: target.affine, spatialSize: target.spatialShape }).apply(img);
 */
export class SpatialResample extends Transform<MetaImage, MetaImage, SpatialResampleOptions> {
  constructor(options: SpatialResampleOptions = {}) {
    super(options);
    markInvertible(this);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    const o = this.options;
    return withKey(this.name, undefined, () =>
      spatialResample(
        requireImage(img, this.name),
        o.dstAffine ?? null,
        o.spatialSize ?? null,
        o,
        'SpatialResample',
        this.name,
      ),
    );
  }

  /** Resamples back to the recorded source affine and size. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertSpatialResample(requireImage(img, this.name)));
  }
}

/** Options of {@link Spacing}. */
export interface SpacingOptions extends ResampleModeOptions {
  /** Output voxel spacing (one value per spatial dim; shorter lists repeat the last value). Non-positive values keep the current spacing. */
  pixdim: number | readonly number[];
  /** Resample onto a diagonal affine (world axes) instead of keeping the rotation. Default false. */
  diagonal?: boolean;
  /** Compute the scale from the full voxel extent rather than voxel centres. Default false. */
  scaleExtent?: boolean;
  /**
   * Replace the output affine by MONAI 1.4's `scale_affine(inputShape, outputShape)` (voxel scaling
   * with a centred offset, in voxel units: the input affine's rotation, axis order and origin are
   * not kept, as in MONAI). Default false.
   */
  recomputeAffine?: boolean;
  /** Keep axes whose spacing is at least this (not resampled). */
  minPixdim?: number | readonly (number | null)[] | null;
  /** Keep axes whose spacing is at most this. */
  maxPixdim?: number | readonly (number | null)[] | null;
}

function optList(v: number | readonly (number | null)[] | null | undefined, n: number): number[] {
  if (v === null || v === undefined) return new Array<number>(n).fill(NaN);
  const l = typeof v === 'number' ? [v] : v.map((x) => (x === null ? NaN : x));
  return Array.from({ length: n }, (_, i) => l[i] ?? NaN);
}

/**
 * MONAI's `Spacing` on one image (see {@link Spacing}). `outputSpatialShape` forces the output
 * shape (used by Spacingd to give image and label the same grid).
 */
export function spacing(
  img: MetaImage,
  options: SpacingOptions,
  outputSpatialShape: readonly number[] | null = null,
  where = 'Spacing',
): MetaImage {
  const sr = img.spatialDims;
  if (sr <= 0) fail(where, `the image has no spatial dimensions (shape [${img.shape.join(', ')}])`);
  // more than 3 spatial dims: MONAI resamples the first three (see spatialResample), the rest keep their size
  if (sr < 2) requireSpatialDims(img, where);
  if (sr > 3 && options.recomputeAffine)
    fail(
      where,
      `recomputeAffine on a ${sr}D image gives MONAI a ${sr + 1}×${sr + 1} affine, which a 4×4 affine cannot hold; ` +
        'leave recomputeAffine off for images with more than 3 spatial dims',
    );
  const pix = numberList(options.pixdim, where, 'pixdim');
  if (pix.length === 0) fail(where, 'pixdim must have at least one value');
  for (const p of pix)
    if (Number.isNaN(p) || p === 0)
      fail(
        where,
        `pixdim ${JSON.stringify(options.pixdim)} contains ${p}: every spacing must be a positive number of mm`,
      );
  const affine = toAffineNd(sr, img.affine);
  requireInvertibleAffine(toAffineNd(Math.min(sr, 3), img.affine), Math.min(sr, 3), where);
  const outD = pix.slice(0, sr);
  while (outD.length < sr) outD.push(outD[outD.length - 1] as number);
  const origD = spacingOfRows(affine, sr);
  const mins = optList(options.minPixdim, sr);
  const maxs = optList(options.maxPixdim, sr);
  for (let i = 0; i < sr; i++) {
    const target = outD[i] as number;
    const mn = Number.isNaN(mins[i] as number) ? target : Math.min(mins[i] as number, target);
    const mx = Number.isNaN(maxs[i] as number) ? target : Math.max(maxs[i] as number, target);
    if (mn > mx)
      fail(where, `minPixdim is larger than maxPixdim at dim ${i}: min ${mn}, max ${mx}, pixdim ${target}`);
    const d = origD[i] as number;
    outD[i] = mn - AFFINE_TOL <= d && d <= mx + AFFINE_TOL ? d : target;
  }
  const newAffine = zoomAffine(affine, outD, options.diagonal ?? false);
  const { shape, offset } = computeShapeOffset(
    img.spatialShape,
    affine,
    newAffine,
    options.scaleExtent ?? false,
  );
  for (let i = 0; i < sr; i++) (newAffine[i] as number[])[sr] = offset[i] as number;
  const actual = outputSpatialShape ? [...outputSpatialShape] : shape;
  if (actual.some((s) => !(s > 0)))
    fail(
      where,
      `the output shape [${actual.join(', ')}] is empty: pixdim ${JSON.stringify(options.pixdim)} is too large for this image`,
    );
  const out = spatialResample(img, newAffine, actual, options, 'SpatialResample', where);
  // MONAI 1.4 replaces the affine by `scale_affine(original_shape, actual_shape)` alone: the input's
  // rotation, permutation and origin are dropped (only an identity-affine input keeps its world space)
  if (options.recomputeAffine) out.affine = toAffine4(scaleAffine(img.spatialShape, actual));
  return out;
}

/**
 * Resamples an image to the voxel spacing `pixdim` (MONAI `Spacing`): keeps the orientation
 * (`diagonal: false`) or resamples onto world axes; the output grid covers the input field of
 * view, its size rounded half to even as numpy does. Output float32; invertible (trace class
 * `SpatialResample`, as MONAI).
 *
 * @example
 * const iso = await new Spacing({ pixdim: [1, 1, 1] }).apply(img);
 */
export class Spacing extends Transform<MetaImage, MetaImage, SpacingOptions> {
  constructor(options: SpacingOptions) {
    super(options);
    markInvertible(this);
    requireNumbers(options.pixdim, this.name, 'pixdim');
    resampleMode(options.mode ?? 'bilinear', this.name);
    gridPadding(options.paddingMode ?? 'border', this.name);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      spacing(requireImage(img, this.name), this.options, null, this.name),
    );
  }

  /** Resamples back to the original grid. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertSpatialResample(requireImage(img, this.name)));
  }
}

/** Options of {@link Spacingd}: mode, paddingMode, alignCorners, dtype and scaleExtent may be given per key. */
export interface SpacingdOptions
  extends
    MapTransformOptions,
    Omit<SpacingOptions, 'mode' | 'paddingMode' | 'alignCorners' | 'dtype' | 'scaleExtent'> {
  mode?: ResampleMode | readonly ResampleMode[];
  paddingMode?: GridSamplePadding | readonly GridSamplePadding[];
  alignCorners?: boolean | readonly boolean[];
  dtype?: string | null | readonly (string | null)[];
  scaleExtent?: boolean | readonly boolean[];
  /** Give keys with the same shape and spacing the same output shape (MONAI default true). */
  ensureSameShape?: boolean;
}

/**
 * Dictionary twin of {@link Spacing} (e.g. `mode: ['bilinear', 'nearest']` for image and label).
 *
 * @example
 * new Spacingd({ keys: ['image', 'label'], pixdim: [1.5, 1.5, 2], mode: ['bilinear', 'nearest'] })
 */
export class Spacingd extends MapTransform<DataItem, SpacingdOptions> {
  private readonly perKeyOptions: SpacingOptions[];
  readonly ensureSameShape: boolean;

  constructor(options: SpacingdOptions) {
    super(options);
    markInvertible(this);
    requireNumbers(options.pixdim, this.name, 'pixdim');
    const modes = perKey(options.mode ?? 'bilinear', this.keys, this.name, 'mode');
    const pads = perKey(options.paddingMode ?? 'border', this.keys, this.name, 'paddingMode');
    const aligns = perKey(options.alignCorners ?? false, this.keys, this.name, 'alignCorners');
    const dtypes = perKey(
      options.dtype === undefined ? 'float64' : options.dtype,
      this.keys,
      this.name,
      'dtype',
    );
    const extents = perKey(options.scaleExtent ?? false, this.keys, this.name, 'scaleExtent');
    modes.forEach((m) => resampleMode(m, this.name));
    pads.forEach((p) => gridPadding(p, this.name));
    this.perKeyOptions = this.keys.map((_, i) => ({
      pixdim: options.pixdim,
      diagonal: options.diagonal,
      recomputeAffine: options.recomputeAffine,
      minPixdim: options.minPixdim,
      maxPixdim: options.maxPixdim,
      mode: modes[i],
      paddingMode: pads[i],
      alignCorners: aligns[i],
      dtype: dtypes[i],
      scaleExtent: extents[i],
    }));
    this.ensureSameShape = options.ensureSameShape ?? true;
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    let initShape: number[] | null = null;
    let initPix: number[] | null = null;
    let outShape: number[] | null = null;
    for (const key of this.keyIterator(d)) {
      const opts = this.perKeyOptions[this.keys.indexOf(key)] as SpacingOptions;
      d[key] = withKey(this.name, key, () => {
        const img = requireImage(d[key], this.name, key);
        let shouldMatch = false;
        if (this.ensureSameShape) {
          const pix = affineToSpacing(img.affine, 3);
          if (initShape === null || initPix === null) {
            initShape = img.spatialShape;
            initPix = pix;
          } else {
            shouldMatch = allClose(initShape, img.spatialShape, 1e-8) && allClose(initPix, pix, 1e-3);
          }
        }
        const out = spacing(img, opts, shouldMatch ? outShape : null, this.name);
        if (outShape === null) outShape = out.spatialShape;
        return out;
      });
    }
    return d;
  }

  /** Resamples each key back to its original grid. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => invertSpatialResample(img, 'SpatialResample', key));
  }
}

/** Resampling options given once or per key (SpatialResampled, ResampleToMatchd). */
export interface PerKeyResampleOptions {
  mode?: ResampleModeOptions['mode'] | readonly NonNullable<ResampleModeOptions['mode']>[];
  paddingMode?:
    ResampleModeOptions['paddingMode'] | readonly NonNullable<ResampleModeOptions['paddingMode']>[];
  alignCorners?: boolean | readonly boolean[];
  dtype?: string | null | readonly (string | null)[];
}

/** One {@link ResampleModeOptions} per key (MONAI's defaults: bilinear, border, false, float64); modes checked. */
export function perKeyResampleOptions(
  options: PerKeyResampleOptions,
  keys: readonly string[],
  name: string,
): ResampleModeOptions[] {
  const modes = perKey(options.mode ?? 'bilinear', keys, name, 'mode');
  const pads = perKey(options.paddingMode ?? 'border', keys, name, 'paddingMode');
  const aligns = perKey(options.alignCorners ?? false, keys, name, 'alignCorners');
  const dtypes = perKey(options.dtype === undefined ? 'float64' : options.dtype, keys, name, 'dtype');
  modes.forEach((m) => resampleMode(m, name));
  pads.forEach((p) => gridPadding(p, name));
  return keys.map((_, i) => ({
    mode: modes[i],
    paddingMode: pads[i],
    alignCorners: aligns[i],
    dtype: dtypes[i],
  }));
}

/** Options of {@link SpatialResampled}: mode, paddingMode, alignCorners and dtype may be given per key. */
export interface SpatialResampledOptions extends MapTransformOptions, PerKeyResampleOptions {
  /** Key of the destination affine in the data item (a 4×4 Float64Array or rows). Default `'dst_affine'`. */
  dstKeys?: string | readonly string[];
}

/**
 * Dictionary twin of {@link SpatialResample}: destination affines are read from `dstKeys`.
 *
 * @example
 * new SpatialResampled({ keys: ['image', 'label'], mode: ['bilinear', 'nearest'] }) // reads data.dst_affine
 */
export class SpatialResampled extends MapTransform<DataItem, SpatialResampledOptions> {
  private readonly dstKeys: string[];
  private readonly perKeyOptions: ResampleModeOptions[];

  constructor(options: SpatialResampledOptions) {
    super(options);
    markInvertible(this);
    this.dstKeys = perKey(options.dstKeys ?? 'dst_affine', this.keys, this.name, 'dstKeys');
    this.perKeyOptions = perKeyResampleOptions(options, this.keys, this.name);
  }

  async apply(data: DataItem): Promise<DataItem> {
    const d = { ...data };
    for (const key of this.keyIterator(d)) {
      const dk = this.dstKeys[this.keys.indexOf(key)] as string;
      d[key] = withKey(this.name, key, () => {
        const dst = d[dk];
        if (!(ArrayBuffer.isView(dst) || Array.isArray(dst)))
          fail(this.name, `data item has no destination affine under '${dk}'`);
        return spatialResample(
          requireImage(d[key], this.name, key),
          dst as AffineMatrix | number[][],
          null,
          this.perKeyOptions[this.keys.indexOf(key)] as ResampleModeOptions,
          'SpatialResample',
          this.name,
        );
      });
    }
    return d;
  }

  /** Resamples each key back. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => invertSpatialResample(img, 'SpatialResample', key));
  }
}
