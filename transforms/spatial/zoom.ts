import type { PadMode } from '../crop-pad/pad-array.js';
import type { AppliedOperation, MetaImage } from '../../src/image/meta-image.js';
import { invertResizeWithPadOrCrop, resizeWithPadOrCrop } from '../crop-pad/resize-with-pad-or-crop.js';
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
  requireNumbers,
  toComputeArray,
} from './common.js';
import { interpolate } from './interpolate.js';
import { resize } from './resize.js';

/** Options of {@link Zoom}. */
export interface ZoomOptions {
  /** Zoom factor per spatial axis (one number for all). */
  zoom: number | readonly number[];
  /** torch interpolate mode (default `'area'`), or spline order 0 (`'nearest-exact'`) / 1 (linear), as MONAI maps them. */
  mode?: ResizeMode;
  /** numpy-style pad mode used to restore the size when `keepSize` (default `'edge'`). */
  paddingMode?: PadMode;
  /** For linear modes only (default null). */
  alignCorners?: boolean | null;
  /** Compute precision (default `'float32'`). The output is float32. */
  dtype?: string | null;
  /** Pad or crop back to the input size (default true). */
  keepSize?: boolean;
}

/**
 * MONAI's `Zoom` on one image: torch `interpolate(scale_factor=zoom, recompute_scale_factor=True)`
 * (output `floor(size·zoom)`), then with `keepSize` a centred crop / symmetric pad back to the input
 * size (recorded inside the `Zoom` trace entry as MONAI does). Returns float32.
 */
export function zoom(
  img: MetaImage,
  options: ZoomOptions,
  traceClass: string | null = 'Zoom',
  where = 'Zoom',
): MetaImage {
  const n = img.spatialDims;
  if (n < 1) fail(where, `the image has no spatial dimensions (shape [${img.shape.join(', ')}])`);
  const z = numberList(options.zoom, where, 'zoom');
  if (z.length !== 1 && z.length !== n)
    fail(
      where,
      `zoom ${JSON.stringify(options.zoom)} has ${z.length} factors but the image has ${n} spatial dims`,
    );
  const factors = z.length === 1 ? new Array<number>(n).fill(z[0] as number) : z;
  if (factors.some((f) => !(f > 0)))
    fail(where, `zoom factors must be positive, got ${JSON.stringify(options.zoom)}`);
  const mode = interpolateMode(options.mode ?? 'area', where, n);
  const align = options.alignCorners ?? null;
  const dtype = computeDType(options.dtype, where, 'float32');
  const keep = options.keepSize ?? true;
  const inSize = img.spatialShape;
  const zoomed = inSize.map((s, i) => Math.floor(s * (factors[i] as number)));
  if (zoomed.some((s) => s <= 0))
    fail(where, `zoom ${JSON.stringify(options.zoom)} leaves an empty image (size [${zoomed.join(', ')}])`);
  const extra: Record<string, unknown> = {
    mode,
    align_corners: align === null ? TRACE_NONE : align,
    dtype,
    do_padcrop: false,
    padcrop: {},
  };
  let data: Float32Array;
  try {
    data = Float32Array.from(
      interpolate(toComputeArray(img.data, dtype), img.shape, zoomed, mode, align, dtype),
    );
  } catch (e) {
    return fail(where, (e as Error).message);
  }
  let out = img.clone({
    data,
    shape: [img.numChannels, ...zoomed],
    dtype: 'float32',
    affine: composeImageAffine(img.affine, scaleAffine(inSize, zoomed)),
  });
  const target = keep ? inSize : zoomed;
  if (keep && target.some((s, i) => s !== zoomed[i])) {
    const base = out.appliedOperations.length;
    out = resizeWithPadOrCrop(out, target, { mode: options.paddingMode ?? 'edge' });
    const padcrop = out.appliedOperations[base] as AppliedOperation;
    out.appliedOperations = out.appliedOperations.slice(0, base);
    extra.do_padcrop = true;
    extra.padcrop = padcrop;
  }
  if (traceClass !== null) pushOperation(out, traceClass, inSize, extra);
  return out;
}

/** Undoes a `Zoom` entry (MONAI `Zoom.inverse`): undoes the pad/crop, then resizes back to the original size. */
export function invertZoom(img: MetaImage, className = 'Zoom', key?: string): MetaImage {
  let work = img.shallowClone();
  const op = popOperation(work, className, key);
  const e = op.extra_info;
  if (e.do_padcrop) {
    const padcrop = e.padcrop as AppliedOperation;
    if (!padcrop || typeof padcrop !== 'object' || !padcrop.class)
      fail(className, 'cannot invert: the trace lacks its padcrop entry');
    work.appliedOperations = [...work.appliedOperations, structuredClone(padcrop)];
    work = invertResizeWithPadOrCrop(work, padcrop.class, key);
  }
  return resize(
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
}

/**
 * Zooms by scale factors (MONAI `Zoom`, torch `interpolate`), keeping the input size by default
 * (centred crop or `paddingMode` padding). Output float32; invertible.
 *
 * @example
 * const out = await new Zoom({ zoom: 1.2, mode: 'trilinear' }).apply(img);
 */
export class Zoom extends Transform<MetaImage, MetaImage, ZoomOptions> {
  constructor(options: ZoomOptions) {
    super(options);
    markInvertible(this);
    requireNumbers(options.zoom, this.name, 'zoom');
    interpolateMode(options.mode ?? 'area', this.name);
  }

  async apply(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () =>
      zoom(requireImage(img, this.name), this.options, 'Zoom', this.name),
    );
  }

  /** Zooms back to the original size. */
  async inverse(img: MetaImage): Promise<MetaImage> {
    return withKey(this.name, undefined, () => invertZoom(requireImage(img, this.name)));
  }
}

/** Options of {@link Zoomd}: mode, paddingMode, alignCorners and dtype may be given per key. */
export interface ZoomdOptions extends MapTransformOptions, Pick<ZoomOptions, 'zoom' | 'keepSize'> {
  mode?: ResizeMode | readonly ResizeMode[];
  paddingMode?: PadMode | readonly PadMode[];
  alignCorners?: boolean | null | readonly (boolean | null)[];
  dtype?: string | null | readonly (string | null)[];
}

/** Dictionary twin of {@link Zoom}. */
export class Zoomd extends MapTransform<DataItem, ZoomdOptions> {
  private readonly perKeyOptions: ZoomOptions[];

  constructor(options: ZoomdOptions) {
    super(options);
    markInvertible(this);
    requireNumbers(options.zoom, this.name, 'zoom');
    const modes = perKey(options.mode ?? 'area', this.keys, this.name, 'mode');
    modes.forEach((m) => interpolateMode(m, this.name));
    const pads = perKey(options.paddingMode ?? 'edge', this.keys, this.name, 'paddingMode');
    const aligns = perKey(options.alignCorners ?? null, this.keys, this.name, 'alignCorners');
    const dtypes = perKey(
      options.dtype === undefined ? 'float32' : options.dtype,
      this.keys,
      this.name,
      'dtype',
    );
    this.perKeyOptions = this.keys.map((_, i) => ({
      zoom: options.zoom,
      keepSize: options.keepSize,
      mode: modes[i],
      paddingMode: pads[i],
      alignCorners: aligns[i],
      dtype: dtypes[i],
    }));
  }

  async apply(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, _key, i) =>
      zoom(img, this.perKeyOptions[i] as ZoomOptions, 'Zoom', this.name),
    );
  }

  /** Zooms each key back. */
  async inverse(data: DataItem): Promise<DataItem> {
    return this.mapImages(data, (img, key) => invertZoom(img, 'Zoom', key));
  }
}
