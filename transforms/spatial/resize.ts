import type { MetaImage } from '../../src/image/meta-image.js';
import { gaussianFilter } from '../intensity/gaussian-filter.js';
import { markInvertible, popOperation, pushOperation } from '../invertible.js';
import { MapTransform, type MapTransformOptions, perKey } from '../map-transform.js';
import { type DataItem, Transform, requireImage } from '../transform.js';
import { fail, withKey } from '../keyed-errors.js';
import { composeImageAffine, scaleAffine } from './affine-utils.js';
import {
  TRACE_NONE,
  type InterpolateMode,
  type ResizeMode,
  computeDType,
  interpolateMode,
  numberList,
  toComputeArray,
} from './common.js';
import { interpolate } from './interpolate.js';
import { type ComputeDType } from '../../src/image/numerics.js';

/** Python's `round` (half to even) for the `longest` size mode. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Options of {@link Resize}. */
export interface ResizeOptions {
  /** Output spatial size (non-positive entries keep the input size); an int with `sizeMode: 'longest'`. */
  spatialSize: number | readonly number[];
  /** `'all'` (default): `spatialSize` for every axis; `'longest'`: scale so the longest side is `spatialSize`. */
  sizeMode?: 'all' | 'longest';
  /** torch interpolate mode (default `'area'`), or spline order 0 (`'nearest-exact'`) / 1 (linear), as MONAI maps them. */
  mode?: ResizeMode;
  /** For linear modes only (default null = torch's default, false). */
  alignCorners?: boolean | null;
  /** Gaussian-smooth before downsampling (skimage-style sigma `(s−1)/2`). Default false. */
  antiAliasing?: boolean;
  /** Sigma(s) for anti-aliasing (default `(s−1)/2` per downsampled axis). */
  antiAliasingSigma?: number | readonly number[] | null;
  /** Compute precision (default `'float32'`). The output is float32. */
  dtype?: string | null;
}

/** Output size of a resize (MONAI Resize's `size_mode` rules). */
export function resizeOutputSize(
  inSize: readonly number[],
  spatialSize: number | readonly number[],
  sizeMode: string,
  where: string,
): number[] {
  if (sizeMode === 'longest') {
    if (typeof spatialSize !== 'number' || !Number.isInteger(spatialSize) || spatialSize <= 0)
      fail(
        where,
        `spatialSize must be a positive int when sizeMode is 'longest', got ${JSON.stringify(spatialSize)}`,
      );
    const scale = (spatialSize as number) / Math.max(...inSize);
    return inSize.map((s) => pyRound(s * scale));
  }
  if (sizeMode !== 'all') fail(where, `sizeMode must be 'all' or 'longest', got '${sizeMode}'`);
  const want = numberList(spatialSize, where, 'spatialSize');
  if (want.length < inSize.length)
    fail(
      where,
      `spatialSize ${JSON.stringify(spatialSize)} has ${want.length} value(s) but the image has ${inSize.length} spatial dims ` +
        '(give one size per spatial axis, or use sizeMode: "longest" with a single int)',
    );
  return want.map((v, i) => (v > 0 ? Math.trunc(v) : (inSize[i] ?? 1)));
}

function resampleResize(
  img: MetaImage,
  outSize: readonly number[],
  mode: InterpolateMode,
  align: boolean | null,
  dtype: ComputeDType,
  antiAliasing: boolean,
  aaSigma: number | readonly number[] | null | undefined,
): Float32Array {
  let data: MetaImage['data'] = toComputeArray(img.data, dtype);
  const inSize = img.spatialShape;
  if (antiAliasing && outSize.some((o, i) => o < (inSize[i] as number))) {
    const f = Math.fround;
    const factors = inSize.map((s, i) => f(s / (outSize[i] as number)));
    let sigma: number[];
    if (aaSigma === null || aaSigma === undefined) sigma = factors.map((fa) => Math.max(0, f(f(fa - 1) / 2)));
    else {
      const s = typeof aaSigma === 'number' ? factors.map(() => aaSigma) : [...aaSigma];
      if (s.length !== factors.length)
        throw new RangeError(`antiAliasingSigma must have 1 or ${factors.length} values`);
      sigma = s.map((v, i) => v * ((factors[i] as number) > 1 ? 1 : 0));
    }
    data = gaussianFilter(data instanceof Float32Array ? data : Float32Array.from(data), img.shape, sigma);
  }
  return Float32Array.from(interpolate(data, img.shape, outSize, mode, align, dtype));
}

/**
 * MONAI's `Resize` on one image: torch `interpolate` to `spatialSize` (see {@link Resize}); records a
 * `Resize` trace entry unless `traceClass` is null.
 */
export function resize(
  img: MetaImage,
  options: ResizeOptions,
  traceClass: string | null = 'Resize',
  where = 'Resize',
): MetaImage {
  const mode = interpolateMode(options.mode ?? 'area', where, img.spatialDims);
  const align = options.alignCorners ?? null;
  const dtype = computeDType(options.dtype, where, 'float32');
  const inputNdim = img.spatialDims;
  if (inputNdim < 1) fail(where, `the image has no spatial dimensions (shape [${img.shape.join(', ')}])`);
  let work = img;
  const sizeMode = options.sizeMode ?? 'all';
  if (sizeMode === 'all') {
    const want = typeof options.spatialSize === 'number' ? 1 : options.spatialSize.length;
    if (want > inputNdim) {
      const shape = [...img.shape];
      while (shape.length < want + 1) shape.push(1);
      work = img.clone({ data: img.data, shape });
    }
  }
  const inSize = work.spatialShape;
  const outSize = resizeOutputSize(inSize, options.spatialSize, sizeMode, where);
  if (outSize.some((s) => s <= 0)) fail(where, `the output size [${outSize.join(', ')}] is empty`);
  const extra = {
    mode,
    align_corners: align === null ? TRACE_NONE : align,
    dtype,
    new_dim: inSize.length - inputNdim,
  };
  let out: MetaImage;
  if (outSize.every((s, i) => s === inSize[i])) out = work.shallowClone();
  else {
    let data: Float32Array;
    try {
      data = resampleResize(
        work,
        outSize,
        mode,
        align,
        dtype,
        options.antiAliasing ?? false,
        options.antiAliasingSigma,
      );
    } catch (e) {
      return fail(where, (e as Error).message);
    }
    out = work.clone({
      data,
      shape: [work.numChannels, ...outSize],
      dtype: 'float32',
      affine: composeImageAffine(work.affine, scaleAffine(inSize, outSize)),
    });
  }
  if (traceClass !== null) pushOperation(out, traceClass, inSize, extra);
  return out;
}

/** Undoes a `Resize` entry (MONAI `Resize.inverse`): resizes back to the original size with the recorded mode. */
export function invertResize(img: MetaImage, className = 'Resize', key?: string): MetaImage {
  const work = img.shallowClone();
  const op = popOperation(work, className, key);
  const e = op.extra_info;
  let out = resize(
    work,
    {
      spatialSize: op.orig_size,
      mode: (e.mode as InterpolateMode | undefined) ?? 'area',
      alignCorners:
        e.align_corners === TRACE_NONE || e.align_corners === undefined ? null : Boolean(e.align_corners),
      dtype: (e.dtype as string | undefined) ?? 'float32',
    },
    null,
    className,
  );
  const newDim = Number(e.new_dim ?? 0);
  for (let i = 0; i < newDim && out.shape[out.shape.length - 1] === 1; i++)
    out = out.clone({ data: out.data, shape: out.shape.slice(0, -1) });
  return out;
}

/**
 * Resizes to a spatial size by interpolation (MONAI `Resize`, torch `interpolate`): modes `area`
 * (default, adaptive average pooling), `nearest`, `nearest-exact`, `linear`/`bilinear`/`trilinear`;
 * optional Gaussian anti-aliasing; output float32; invertible.
 *
 * @example
 * const small = await new Resize({ spatialSize: [96, 96, 64], mode: 'trilinear' }).apply(img);
 */
export class Resize extends Transform<MetaImage, MetaImage, ResizeOptions> {
  constructor(options: ResizeOptions) {
    super(options);
    markInvertible(this);
    interpolateMode(options.mode ?? 'area', this.name);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      resize(requireImage(img, this.name), this.options, 'Resize', this.name),
    );
  }

  /** Resizes back to the original size. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertResize(requireImage(img, this.name)));
  }
}

/** Options of {@link Resized}: mode, alignCorners, antiAliasing, antiAliasingSigma and dtype may be given per key. */
export interface ResizedOptions extends MapTransformOptions, Pick<ResizeOptions, 'spatialSize' | 'sizeMode'> {
  mode?: ResizeMode | readonly ResizeMode[];
  alignCorners?: boolean | null | readonly (boolean | null)[];
  antiAliasing?: boolean | readonly boolean[];
  /**
   * One sigma for all keys, or one per key (MONAI `ensure_tuple_rep`): a per-axis sigma is itself a
   * list, so it is given nested, `[[1, 0.5]]` for all keys or `[[1, 0.5], null]` per key, as in MONAI.
   */
  antiAliasingSigma?: number | null | readonly (number | readonly number[] | null)[];
  dtype?: string | null | readonly (string | null)[];
}

/** Dictionary twin of {@link Resize} (e.g. `mode: ['trilinear', 'nearest']` for image and label). */
export class Resized extends MapTransform<DataItem, ResizedOptions> {
  private readonly perKeyOptions: ResizeOptions[];

  constructor(options: ResizedOptions) {
    super(options);
    markInvertible(this);
    const modes = perKey(options.mode ?? 'area', this.keys, this.name, 'mode');
    modes.forEach((m) => interpolateMode(m, this.name));
    const aligns = perKey(options.alignCorners ?? null, this.keys, this.name, 'alignCorners');
    const aas = perKey(options.antiAliasing ?? false, this.keys, this.name, 'antiAliasing');
    const sigmas = perKey(options.antiAliasingSigma ?? null, this.keys, this.name, 'antiAliasingSigma');
    const dtypes = perKey(
      options.dtype === undefined ? 'float32' : options.dtype,
      this.keys,
      this.name,
      'dtype',
    );
    this.perKeyOptions = this.keys.map((_, i) => ({
      spatialSize: options.spatialSize,
      sizeMode: options.sizeMode,
      mode: modes[i],
      alignCorners: aligns[i],
      antiAliasing: aas[i],
      antiAliasingSigma: sigmas[i] ?? null,
      dtype: dtypes[i],
    }));
  }

  async apply(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, _key, i) =>
      resize(img, this.perKeyOptions[i] as ResizeOptions, 'Resize', this.name),
    );
  }

  /** Resizes each key back. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => invertResize(img, 'Resize', key));
  }
}
