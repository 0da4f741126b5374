/**
 * Shared helpers of the intensity and post-processing transforms: the dtype in which MONAI (torch)
 * computes, float64 reductions, channel views and option checks (float32 rounding is src/image/numerics.ts).
 */
import { TransformError } from '../../src/errors.js';
import { type DType, type NumericArray, allocArray, castArray, parseDType } from '../../src/image/dtype.js';
import type { ComputeDType } from '../../src/image/numerics.js';

/**
 * The dtype torch computes in when a tensor of `dtype` meets a Python float: float64 stays float64,
 * everything else (float32, integers, bool) computes in float32.
 */
export function computeDTypeOf(dtype: DType): ComputeDType {
  return dtype === 'float64' ? 'float64' : 'float32';
}

/** Allocates a Float32Array or Float64Array. */
export function allocFloat(dtype: ComputeDType, length: number): Float32Array | Float64Array {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

/**
 * Casts computed values to the output dtype as torch's `.to(dtype)` does (floats to integers
 * truncate toward zero; out of range wraps) — or, with `safe`, clamps to the dtype's range first
 * (MONAI `safe=True`).
 */
export function castOutput(data: NumericArray, dtype: DType, safe = false): NumericArray {
  if (safe && dtype !== 'float32' && dtype !== 'float64' && dtype !== 'bool') {
    const [lo, hi] = INT_RANGE[dtype];
    const out = allocArray(dtype, data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      out[i] = Number.isNaN(v) ? 0 : Math.trunc(Math.min(Math.max(v, lo), hi));
    }
    return out;
  }
  return castArray(data, dtype);
}

const INT_RANGE: Record<Exclude<DType, 'float32' | 'float64' | 'bool'>, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** True when `data` holds a NaN. */
export function hasNaN(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i] as number)) return true;
  return false;
}

/**
 * Minimum and maximum of an array that must be finite: one pass, and a NaN or infinity throws
 * {@link rejectNaN}'s error (`what` names what they would make undefined).
 */
export function finiteMinMax(
  transform: string,
  data: ArrayLike<number>,
  what: string,
): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v - v !== 0) rejectNaN(transform, data, what);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Minimum and maximum (NaN when `data` holds a NaN, as torch's min/max). */
export function minMax(data: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v !== v) return { min: NaN, max: NaN };
  }
  return { min, max };
}

/**
 * Mean and standard deviation, accumulated in float64 (two passes). `ddof` 0 is the population std
 * (MONAI NormalizeIntensity), 1 the sample std (torch's default `std()`). A constant array has a std
 * of exactly 0, as torch's Welford reduction gives.
 */
export function meanStd(data: ArrayLike<number>, ddof = 0): { mean: number; std: number } {
  const n = data.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const { min, max } = minMax(data);
  if (Number.isNaN(min)) return { mean: NaN, std: NaN };
  if (min === max) return { mean: min, std: n - ddof > 0 ? 0 : NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += data[i] as number;
  const mean = sum / n;
  let ss = 0;
  let comp = 0;
  for (let i = 0; i < n; i++) {
    const d = (data[i] as number) - mean;
    ss += d * d;
    comp += d;
  }
  // Corrected two-pass algorithm (Chan, Golub, LeVeque): removes the rounding error of the mean.
  const variance = (ss - (comp * comp) / n) / (n - ddof);
  return { mean, std: Math.sqrt(Math.max(variance, 0)) };
}

/** Views of each channel (first axis) of a channel-first array, sharing memory with it. */
export function channelViews<T extends NumericArray>(data: T, shape: readonly number[]): T[] {
  const c = shape[0] ?? 1;
  const per = c === 0 ? 0 : data.length / c;
  const out: T[] = [];
  for (let i = 0; i < c; i++) out.push(data.subarray(i * per, (i + 1) * per) as T);
  return out;
}

/** Throws a TransformError unless `options` is an object (a JavaScript caller may pass anything). */
export function requireOptions(transform: string, options: unknown, expected = '{ keys, ... }'): void {
  if (typeof options !== 'object' || options === null)
    throw new TransformError(
      transform,
      undefined,
      `expected an options object ${expected}, got ${describe(options)}`,
    );
}

/** Throws a TransformError unless `value` is a finite number. */
export function requireFinite(transform: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TransformError(
      transform,
      undefined,
      `${option} must be a finite number, got ${describe(value)}`,
    );
  return value;
}

/** Like {@link requireFinite}, but `null`/`undefined` pass through as `null`. */
export function optionalFinite(transform: string, option: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return requireFinite(transform, option, value);
}

/** Throws a TransformError unless `value` is a percentile in [0, 100]. */
export function requirePercentile(transform: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || value > 100)
    throw new TransformError(
      transform,
      undefined,
      `${option} must be a percentile in [0, 100], got ${describe(value)}`,
    );
  return value;
}

/**
 * Parses a `dtype` option: a numpy/torch name or `null` (MONAI `None`: keep the computed dtype).
 * `undefined` gives `fallback`.
 */
export function dtypeOption(
  transform: string,
  value: unknown,
  fallback: DType | null = 'float32',
): DType | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (typeof value !== 'string')
    throw new TransformError(
      transform,
      undefined,
      `dtype must be a dtype name such as 'float32' or null, got ${describe(value)}`,
    );
  try {
    return parseDType(value);
  } catch (e) {
    throw new TransformError(transform, undefined, (e as Error).message);
  }
}

/** Short description of an option value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined)
    return String(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return typeof value;
}

/**
 * Throws a TransformError naming `transform` when `data` holds a NaN or an infinity: the statistic
 * (`what`) would be undefined and every output value NaN.
 */
export function rejectNaN(transform: string, data: ArrayLike<number>, what: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v - v !== 0)
      throw new TransformError(
        transform,
        undefined,
        `the image contains ${Number.isNaN(v) ? 'NaN' : 'infinite'} values (first at index ${i}), so its ${what} is undefined ` +
          'and every output value would be NaN; replace them first (e.g. with a Lambda transform)',
      );
  }
}
