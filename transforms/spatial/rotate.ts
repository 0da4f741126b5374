import type { MetaImage } from '../../src/image/meta-image.js';
import {
  type GridSampleMode,
  type GridSamplePadding,
  affineTransformGrid,
  gridSample,
} from '../../src/image/resample.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { composeImageAffine, createRotate, createTranslate } from './affine-utils.js';
import {
  TRACE_NONE,
  computeDType,
  torchGridMode,
  gridPadding,
  matrixFromTrace,
  numberList,
  requireNumbers,
  requireSpatialDims,
  rows,
  toComputeArray,
} from './common.js';
import { type Matrix, invMatrix, matmul } from '../../src/image/affine.js';
import { rounder } from '../../src/image/numerics.js';

/** Options of {@link Rotate}. */
export interface RotateOptions {
  /** Angle(s) in radians: one for 2D, three (about axes 0, 1, 2, applied as `Rx @ Ry @ Rz`) for 3D. */
  angle: number | readonly number[];
  /** Keep the input size (default true); otherwise the output holds the whole rotated image. */
  keepSize?: boolean;
  /** `'bilinear'` (default) or `'nearest'`; spline order `1` is `'bilinear'` (MONAI's `resolves_modes` for Rotate). */
  mode?: GridSampleMode | 1;
  /** `'border'` (default), `'zeros'` or `'reflection'`. */
  paddingMode?: GridSamplePadding;
  /** torch `align_corners` (default false). */
  alignCorners?: boolean;
  /** Compute precision (default `'float32'`). The output is float32. */
  dtype?: string | null;
}

/**
 * Samples `img` through MONAI's `AffineTransform(normalized=False, reverse_indexing=True)`: output
 * voxel index `j` reads input index `xform @ j`. Returns float32 data of `[C, ...outShape]`.
 */
export function affineTransformResample(
  img: MetaImage,
  xform: readonly (readonly number[])[],
  outShape: readonly number[],
  options: {
    mode: GridSampleMode;
    paddingMode: GridSamplePadding;
    alignCorners: boolean;
    dtype: 'float32' | 'float64';
  },
): Float32Array {
  const src = toComputeArray(img.data, options.dtype);
  return gridSample(
    src,
    img.shape,
    affineTransformGrid(xform, img.spatialShape, outShape, options.alignCorners, options.dtype),
    {
      mode: options.mode,
      paddingMode: options.paddingMode,
    },
  );
}

/** The voxel→voxel rotation MONAI's Rotate applies (about the image centre) and the output shape. */
export function rotateMatrix(
  inShape: readonly number[],
  angle: number | readonly number[],
  keepSize: boolean,
  where = 'Rotate',
): { matrix: Matrix; outShape: number[] } {
  const n = inShape.length;
  const angles = numberList(angle, where, 'angle');
  const want = n === 2 ? 1 : 3;
  if (angles.length !== 1 && angles.length !== want)
    fail(
      where,
      `angle ${JSON.stringify(angle)} has ${angles.length} values; a ${n}D image takes ${want === 1 ? 'one angle' : 'one or three angles (about axes 0, 1, 2)'}`,
    );
  const a = angles.length === want ? angles : new Array<number>(want).fill(angles[0] as number);
  const rot = createRotate(n, a);
  let outShape: number[];
  if (keepSize) outShape = [...inShape];
  else {
    // corners of [0, dim] boxes (MONAI uses dim, not dim-1, here), rotated; extent + 0.5, truncated
    const nc = 2 ** n;
    const mins = new Array<number>(n).fill(Infinity);
    const maxs = new Array<number>(n).fill(-Infinity);
    for (let c = 0; c < nc; c++) {
      const p = inShape.map((d, i) => ((c >> (n - 1 - i)) & 1 ? d : 0));
      for (let r = 0; r < n; r++) {
        let v = 0;
        for (let k = 0; k < n; k++) v += ((rot[r] as number[])[k] as number) * (p[k] as number);
        mins[r] = Math.min(mins[r] as number, v);
        maxs[r] = Math.max(maxs[r] as number, v);
      }
    }
    outShape = mins.map((m, i) => Math.trunc((maxs[i] as number) - m + 0.5));
  }
  const shift = createTranslate(
    n,
    inShape.map((d) => (d - 1) / 2),
  );
  const shift1 = createTranslate(
    n,
    outShape.map((d) => -(d - 1) / 2),
  );
  return { matrix: matmul(matmul(shift, rot), shift1), outShape };
}

/**
 * MONAI's `Rotate` on one image: rotation about the image centre through `AffineTransform`
 * (float32 by default); records a `Rotate` trace entry (`rot_mat`, ...) unless `traceClass` is null.
 */
export function rotate(
  img: MetaImage,
  options: RotateOptions,
  traceClass: string | null = 'Rotate',
  where = 'Rotate',
): MetaImage {
  const n = requireSpatialDims(img, where);
  const mode = torchGridMode(options.mode ?? 'bilinear', where);
  const padding = gridPadding(options.paddingMode ?? 'border', where);
  const align = options.alignCorners ?? false;
  const dtype = computeDType(options.dtype, where, 'float32');
  const { matrix, outShape } = rotateMatrix(img.spatialShape, options.angle, options.keepSize ?? true, where);
  if (n !== matrix.length - 1) fail(where, 'internal: rotation matrix rank mismatch');
  const data = affineTransformResample(img, matrix, outShape, {
    mode,
    paddingMode: padding,
    alignCorners: align,
    dtype,
  });
  const out = img.clone({
    data,
    shape: [img.numChannels, ...outShape],
    dtype: 'float32',
    affine: composeImageAffine(img.affine, matrix),
  });
  if (traceClass !== null)
    pushOperation(out, traceClass, img.spatialShape, {
      rot_mat: rows(matrix),
      mode,
      padding_mode: padding,
      align_corners: align,
      dtype,
    });
  return out;
}

/** Undoes a `Rotate` entry (MONAI `Rotate.inverse`): resamples with the inverse matrix back to the original size. */
export function invertRotate(img: MetaImage, className = 'Rotate', key?: string): MetaImage {
  const work = img.shallowClone();
  const op = popOperation(work, className, key);
  const e = op.extra_info;
  const fwd = matrixFromTrace(e.rot_mat, className, 'rot_mat');
  const dtype = computeDType(e.dtype ?? 'float32', className, 'float32');
  const R = rounder(dtype);
  const invMat = invMatrix(fwd).map((r) => r.map(R));
  const mode = torchGridMode(e.mode ?? 'bilinear', className);
  const padding = gridPadding(e.padding_mode ?? 'border', className);
  const align =
    e.align_corners === TRACE_NONE || e.align_corners === undefined ? false : Boolean(e.align_corners);
  const data = affineTransformResample(work, invMat, op.orig_size, {
    mode,
    paddingMode: padding,
    alignCorners: align,
    dtype,
  });
  return work.clone({
    data,
    shape: [work.numChannels, ...op.orig_size],
    dtype: 'float32',
    affine: composeImageAffine(work.affine, invMat),
  });
}

/**
 * Rotates about the image centre by `angle` radians (MONAI `Rotate`): one angle in 2D, up to three
 * in 3D; `keepSize: false` grows the output to hold the whole image. Output float32; invertible.
 *
 * @example
 * const r = await new Rotate({ angle: Math.PI / 6, paddingMode: 'zeros' }).apply(img);
 */
export class Rotate extends Transform<MetaImage, MetaImage, RotateOptions> {
  constructor(options: RotateOptions) {
    super(options);
    markInvertible(this);
    requireNumbers(options.angle, this.name, 'angle');
    torchGridMode(options.mode ?? 'bilinear', this.name);
    gridPadding(options.paddingMode ?? 'border', this.name);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      rotate(requireImage(img, this.name), this.options, 'Rotate', this.name),
    );
  }

  /** Rotates back onto the original grid. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertRotate(requireImage(img, this.name)));
  }
}

/** Options of {@link Rotated}: mode, paddingMode, alignCorners and dtype may be given per key. */
export interface RotatedOptions extends MapTransformOptions, Pick<RotateOptions, 'angle' | 'keepSize'> {
  mode?: GridSampleMode | 1 | readonly (GridSampleMode | 1)[];
  paddingMode?: GridSamplePadding | readonly GridSamplePadding[];
  alignCorners?: boolean | readonly boolean[];
  dtype?: string | null | readonly (string | null)[];
}

/** Dictionary twin of {@link Rotate}. */
export class Rotated extends MapTransform<DataItem, RotatedOptions> {
  private readonly perKeyOptions: RotateOptions[];

  constructor(options: RotatedOptions) {
    super(options);
    markInvertible(this);
    requireNumbers(options.angle, this.name, 'angle');
    const modes = perKey(options.mode ?? 'bilinear', this.keys, this.name, 'mode');
    const pads = perKey(options.paddingMode ?? 'border', this.keys, this.name, 'paddingMode');
    modes.forEach((m) => torchGridMode(m, this.name));
    pads.forEach((p) => gridPadding(p, this.name));
    const aligns = perKey(options.alignCorners ?? false, this.keys, this.name, 'alignCorners');
    const dtypes = perKey(
      options.dtype === undefined ? 'float32' : options.dtype,
      this.keys,
      this.name,
      'dtype',
    );
    this.perKeyOptions = this.keys.map((_, i) => ({
      angle: options.angle,
      keepSize: options.keepSize,
      mode: modes[i],
      paddingMode: pads[i],
      alignCorners: aligns[i],
      dtype: dtypes[i],
    }));
  }

  async apply(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, _key, i) =>
      rotate(img, this.perKeyOptions[i] as RotateOptions, 'Rotate', this.name),
    );
  }

  /** Rotates each key back. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => invertRotate(img, 'Rotate', key));
  }
}
