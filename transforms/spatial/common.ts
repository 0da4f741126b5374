/**
 * Option parsing and small helpers shared by the spatial transforms.
 */
import { type GridSampleMode, type GridSamplePadding, gridSample } from '../../src/image/resample.js';
import { type DenseGrid, denseSamplingGrid } from '../../src/image/dense-grid.js';
import type { MetaImage } from '../../src/image/meta-image.js';
import { type NdimageMode, type SplineOrder, mapCoordinates } from '../../src/image/map-coordinates.js';
import { fail } from '../keyed-errors.js';
import { type ComputeDType } from '../../src/image/numerics.js';

/** MONAI's `TraceKeys.NONE`: how `align_corners=None` is recorded in traces. */
export const TRACE_NONE = 'none';

/** Modes of torch `interpolate` that MONAI's Resize/Zoom accept. */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'trilinear' | 'area';

const INTERP_MODES: readonly string[] = [
  'nearest',
  'nearest-exact',
  'linear',
  'bilinear',
  'trilinear',
  'area',
];

/** Reads a compute dtype option (`'float32'`, `'float64'`, `'np.float64'`, `'torch.float32'`, null → `fallback`). */
export function computeDType(value: unknown, where: string, fallback: ComputeDType): ComputeDType {
  if (value === null || value === undefined) return fallback;
  if (typeof value !== 'string')
    return fail(where, `dtype must be 'float32' or 'float64', got ${String(value)}`);
  const n = value.replace(/^(np|numpy|torch)\./, '').replace(/^[<>=|]/, '');
  if (n === 'float32' || n === 'f4' || (n === 'float' && value.startsWith('torch'))) return 'float32';
  if (n === 'float64' || n === 'f8' || n === 'double' || n === 'float') return 'float64';
  if (n === 'float16' || n === 'half' || n === 'f2') return 'float32';
  return fail(
    where,
    `dtype '${value}' is not a floating-point type; resampling computes in 'float32' or 'float64'`,
  );
}

/** The compute dtype MONAI falls back to when a transform's `dtype` is None: the image's own float type. */
export function imageComputeDType(img: MetaImage): ComputeDType {
  return img.dtype === 'float64' ? 'float64' : 'float32';
}

/** Reads a `grid_sample` interpolation mode. */
export function gridMode(value: unknown, where: string): GridSampleMode {
  const v = typeof value === 'string' ? value.toLowerCase() : value;
  if (v === 'bilinear' || v === 'nearest') return v;
  if (typeof v === 'number')
    return fail(
      where,
      `spline interpolation orders (mode ${v}) are not supported; use mode 'bilinear' or 'nearest'`,
    );
  return fail(where, `unknown interpolation mode '${String(value)}' (use 'bilinear' or 'nearest')`);
}

/**
 * A resampling mode of MONAI's `Resample`-based transforms: a `grid_sample` mode, or a spline order,
 * which MONAI runs through scipy's `map_coordinates` (orders 0, 1 and 3 here).
 */
export type ResampleMode = GridSampleMode | SplineOrder;

/** Reads a {@link ResampleMode}: spline orders 0, 1 and 3, or a `grid_sample` mode. */
export function resampleMode(value: unknown, where: string): ResampleMode {
  if (value === 0 || value === 1 || value === 3) return value;
  if (typeof value === 'number')
    return fail(
      where,
      `spline order ${value} is not supported: orders 0, 1 and 3 are (scipy map_coordinates, as MONAI); ` +
        "MONAI's orders 2, 4 and 5 are not implemented; use 0, 1, 3, 'nearest' or 'bilinear'",
    );
  return gridMode(value, where);
}

/** MONAI's padding translation for spline orders (`zeros` → constant, `border` → nearest, `reflection` → reflect). */
export function ndimageMode(padding: GridSamplePadding): NdimageMode {
  return padding === 'zeros' ? 'constant' : padding === 'border' ? 'nearest' : 'reflect';
}

/**
 * Reads the mode of a transform that MONAI samples with torch `grid_sample` whatever the mode
 * (Rotate): MONAI's `resolves_modes` maps spline order 1 to `'bilinear'`; order 0 becomes
 * `'nearest-exact'`, which grid_sample rejects, and order 3 `'bicubic'` (not implemented here).
 */
export function torchGridMode(value: unknown, where: string): GridSampleMode {
  if (value === 1) return 'bilinear';
  if (value === 0)
    return fail(
      where,
      "mode 0 fails in MONAI too (it becomes 'nearest-exact', which grid_sample rejects); use 'nearest'",
    );
  if (typeof value === 'number')
    return fail(
      where,
      `mode ${value}: only spline order 1 (as 'bilinear') is supported here; use 'bilinear' or 'nearest'`,
    );
  return gridMode(value, where);
}

/** Reads a `grid_sample` padding mode. */
export function gridPadding(value: unknown, where: string): GridSamplePadding {
  const v = typeof value === 'string' ? value.toLowerCase() : value;
  if (v === 'zeros' || v === 'border' || v === 'reflection') return v;
  return fail(where, `unknown padding mode '${String(value)}' (use 'zeros', 'border' or 'reflection')`);
}

/** A Resize/Zoom mode: a torch `interpolate` mode, or a spline order MONAI maps to one (0, 1). */
export type ResizeMode = InterpolateMode | 0 | 1;

/**
 * Reads a torch `interpolate` mode (Resize, Zoom). Spline orders as MONAI's `resolves_modes`:
 * 0 → `'nearest-exact'`, 1 → the linear mode of `nd` spatial dims; 3 (`'bicubic'`) is not implemented.
 */
export function interpolateMode(value: unknown, where: string, nd = 3): InterpolateMode {
  if (value === 0) return 'nearest-exact';
  if (value === 1) return nd === 1 ? 'linear' : nd === 2 ? 'bilinear' : 'trilinear';
  if (typeof value === 'number')
    return fail(
      where,
      `mode ${value}: spline orders 0 and 1 map to torch interpolate modes as in MONAI ('nearest-exact', linear); ` +
        "3 ('bicubic') and others are not supported",
    );
  const v = typeof value === 'string' ? value.toLowerCase() : value;
  if (typeof v === 'string' && INTERP_MODES.includes(v)) return v as InterpolateMode;
  if (v === 'bicubic')
    return fail(where, "mode 'bicubic' is not supported; use 'bilinear', 'area' or 'nearest'");
  return fail(where, `unknown interpolation mode '${String(value)}' (use one of ${INTERP_MODES.join(', ')})`);
}

/** Checks the number of spatial dims of `img` (resampling supports 2D and 3D). */
export function requireSpatialDims(
  img: MetaImage,
  where: string,
  allowed: readonly number[] = [2, 3],
): number {
  const n = img.spatialDims;
  if (!allowed.includes(n))
    fail(
      where,
      `expected a channel-first image with ${allowed.join(' or ')} spatial dims, got shape [${img.shape.join(', ')}]` +
        (n > 3
          ? ' (more than 3 spatial dims: apply EnsureChannelFirst, or split the extra axis into channels)'
          : ''),
    );
  return n;
}

/** A finite number, or a TransformError. */
export function finiteNumber(v: unknown, where: string, option: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    fail(where, `${option} must be a finite number, got ${String(v)}`);
  return v as number;
}

/** A list of finite numbers from a scalar or sequence. */
export function numberList(v: unknown, where: string, option: string): number[] {
  if (typeof v === 'number') return [finiteNumber(v, where, option)];
  if (Array.isArray(v) || ArrayBuffer.isView(v))
    return Array.from(v as ArrayLike<unknown>, (x) => finiteNumber(x, where, option));
  return fail(where, `${option} must be a number or a list of numbers, got ${String(v)}`);
}

/** Checks that an option is a number or a list of numbers (NaN allowed: values are checked per call, where the key is known). */
export function requireNumbers(v: unknown, where: string, option: string): void {
  const ok =
    typeof v === 'number' ||
    ((Array.isArray(v) || ArrayBuffer.isView(v)) &&
      Array.from(v as ArrayLike<unknown>).every((x) => typeof x === 'number'));
  if (!ok) fail(where, `${option} must be a number or a list of numbers, got ${JSON.stringify(v)}`);
}

/** Converts image data to a float array of the compute dtype (no copy when it already is one). */
export function toComputeArray(data: MetaImage['data'], dtype: ComputeDType): Float32Array | Float64Array {
  if (dtype === 'float32') return data instanceof Float32Array ? data : Float32Array.from(data);
  return data instanceof Float64Array ? data : Float64Array.from(data);
}

/** Rows of a small matrix as plain arrays (for traces). */
export function rows(m: readonly (readonly number[])[]): number[][] {
  return m.map((r) => [...r]);
}

/** Reads an (n+1)×(n+1) matrix recorded in a trace (rows, or a flat array). */
export function matrixFromTrace(v: unknown, where: string, what: string): number[][] {
  if (Array.isArray(v) && v.every((r) => Array.isArray(r)))
    return (v as unknown[][]).map((r) => r.map(Number));
  if (ArrayBuffer.isView(v) && (v as Float64Array).length === 16) {
    const a = v as Float64Array;
    return [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => a[i * 4 + j] as number));
  }
  return fail(where, `cannot invert: the trace's '${what}' is not a matrix`);
}

/**
 * Resamples `img` on a dense grid of centred input coordinates (MONAI `Resample` with
 * `norm_coords`, float64 as RandAffine/elastic use it). Output float32, same meta.
 */
export function resampleDense(
  img: MetaImage,
  grid: DenseGrid,
  mode: ResampleMode,
  paddingMode: GridSamplePadding,
): MetaImage {
  const n = img.spatialDims;
  if (grid.coords.length !== n)
    fail('Resample', `a ${grid.coords.length}D grid cannot resample a ${n}D image`);
  if (typeof mode === 'number') {
    // MONAI's Resample with a spline order: float32 grid + (max(2, n) - 1) / 2, then map_coordinates
    const f = Math.fround;
    const inSize = img.spatialShape;
    const coords = grid.coords.map((c, d) => {
      const t = (Math.max(2, inSize[d] as number) - 1) / 2;
      return Float64Array.from(c, (v) => f(f(v) + t));
    });
    const src = toComputeArray(img.data, 'float64');
    const data = mapCoordinates(src, img.shape, coords, grid.shape, mode, ndimageMode(paddingMode));
    return img.clone({ data, shape: [img.numChannels, ...grid.shape], dtype: 'float32' });
  }
  const sampling = denseSamplingGrid(grid, img.spatialShape);
  const data = gridSample(toComputeArray(img.data, 'float64'), img.shape, sampling, { mode, paddingMode });
  return img.clone({ data, shape: [img.numChannels, ...grid.shape], dtype: 'float32' });
}
