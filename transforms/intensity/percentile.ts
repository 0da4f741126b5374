/**
 * Percentiles computed exactly as MONAI 1.4's `percentile` (monai.transforms.utils_pytorch_numpy_unification):
 * up to 1e6 values `torch.quantile` (linear interpolation, every step in float32), above that
 * `np.percentile` (linear, virtual index and weight in float64) with the result rounded to float32.
 */
import { TransformError } from '../../src/errors.js';
import type { NumericArray } from '../../src/image/dtype.js';
import { type ComputeDType, rounder } from '../../src/image/numerics.js';

/** Above this many values MONAI switches from torch.quantile to np.percentile (pytorch#64947). */
export const TORCH_QUANTILE_MAX_NUMEL = 1_000_000;

/** Options of {@link percentile}. */
export interface PercentileOptions {
  /**
   * `'auto'` (MONAI: torch up to 1e6 values, numpy above), or force `'torch'` / `'numpy'`.
   * Default `'auto'`.
   */
  method?: 'auto' | 'torch' | 'numpy';
  /**
   * Precision of the data: `'float32'` (MONAI's float32 tensors; values are rounded to float32)
   * or `'float64'`. Default: float64 for a Float64Array, float32 otherwise.
   */
  precision?: ComputeDType;
}

/**
 * The `q`-th percentile(s) of `data` (q in [0, 100]), flattened, as MONAI computes them. Returns NaN
 * when `data` holds a NaN (as torch and numpy do). Sorts one copy, whatever the number of `q`s.
 *
 * @example
 * percentile(new Float32Array([1, 2, 3, 4, 5]), 10); // 1.4 (in float32)
 * percentile(img.data, [5, 95]);                    // [lower, upper]
 */
export function percentile(data: ArrayLike<number>, q: number, options?: PercentileOptions): number;
export function percentile(
  data: ArrayLike<number>,
  q: readonly number[],
  options?: PercentileOptions,
): number[];
export function percentile(
  data: ArrayLike<number>,
  q: number | readonly number[],
  options: PercentileOptions = {},
): number | number[] {
  const qs = typeof q === 'number' ? [q] : [...q];
  for (const v of qs)
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || v > 100)
      throw new TransformError('percentile', undefined, `q values must be in [0, 100], got ${String(v)}`);
  const n = data.length;
  if (n === 0)
    throw new TransformError('percentile', undefined, 'cannot compute a percentile of an empty array');
  const precision = options.precision ?? (data instanceof Float64Array ? 'float64' : 'float32');
  const method = options.method ?? 'auto';
  const useTorch = method === 'torch' || (method === 'auto' && n <= TORCH_QUANTILE_MAX_NUMEL);
  const sorted = sortedCopy(data, precision);
  const hasNan = Number.isNaN(sorted[n - 1] as number);
  const out = qs.map((v) => {
    if (hasNan) return NaN;
    return useTorch ? torchQuantileSorted(sorted, v, precision) : numpyPercentileSorted(sorted, v, precision);
  });
  return typeof q === 'number' ? (out[0] as number) : out;
}

/** A sorted copy (NaN last) in the given precision. */
function sortedCopy(data: ArrayLike<number>, precision: ComputeDType): Float32Array | Float64Array {
  const copy = precision === 'float32' ? new Float32Array(data.length) : new Float64Array(data.length);
  if (ArrayBuffer.isView(data)) copy.set(data as unknown as NumericArray);
  else for (let i = 0; i < data.length; i++) copy[i] = data[i] as number;
  return copy.sort();
}

/**
 * torch.quantile (linear) on sorted values, for `q` in percent. With float32 precision every step is
 * rounded as torch does on a float32 tensor: `q/100`, the rank `q*(n-1)`, the weight and the lerp
 * (`a + w*(b-a)` below 0.5, `b - (b-a)*(1-w)` from 0.5).
 */
export function torchQuantileSorted(
  sorted: ArrayLike<number>,
  q: number,
  precision: ComputeDType = 'float32',
): number {
  const f = rounder(precision);
  const n = sorted.length;
  const qf = f(f(q) / 100);
  const rank = f(qf * f(n - 1));
  const below = Math.floor(rank);
  const above = Math.min(Math.ceil(rank), n - 1);
  const w = f(rank - below);
  const a = sorted[below] as number;
  const b = sorted[above] as number;
  const diff = f(b - a);
  return Math.abs(w) < 0.5 ? f(a + f(w * diff)) : f(b - f(diff * f(1 - w)));
}

/**
 * np.percentile (method 'linear') on sorted values, for `q` in percent: virtual index `(n-1)*q/100`
 * and weight in float64, `b - a` in the data's precision, the lerp in float64; the result is then
 * rounded to the data's precision (MONAI converts it back to the tensor's dtype).
 */
export function numpyPercentileSorted(
  sorted: ArrayLike<number>,
  q: number,
  precision: ComputeDType = 'float32',
): number {
  const f = rounder(precision);
  const n = sorted.length;
  const virtual = (n - 1) * (q / 100);
  let prev = Math.floor(virtual);
  let next = prev + 1;
  if (virtual >= n - 1) prev = next = n - 1;
  if (virtual < 0) prev = next = 0;
  const gamma = virtual - Math.floor(virtual);
  const a = sorted[prev] as number;
  const b = sorted[next] as number;
  const diff = f(b - a);
  const r = gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
  return f(r);
}
